//! Small formatting helpers shared by the commands' human-readable output.

use polybot_model::Usdc;

/// `1234567.89` → `1,234,568` (whole dollars, thousands separated).
#[must_use]
pub fn money(amount: Usdc) -> String {
    let dollars = (amount.as_f64()).round() as i64;
    let digits = dollars.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if dollars < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Cuts `text` to at most `max` characters, marking the cut with `…`.
#[must_use]
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(money(Usdc::from_micros(1_234_567_890_000)), "1,234,568");
        assert_eq!(money(Usdc::dollars(-999)), "-999");
        assert_eq!(money(Usdc::ZERO), "0");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("ab", 4), "ab");
    }
}
