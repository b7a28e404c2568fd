//! Exact decimal parsing into fixed-point integers.
//!
//! Money never goes through `f64`: prices, sizes and USDC amounts arrive as decimal strings (or
//! JSON numbers written as decimals) and are parsed digit by digit into integers scaled by
//! 10^6, which is the precision of USDC and of Polymarket's conditional-token amounts. Parsing
//! allocates nothing, so it can sit on the market-data hot path.

use crate::error::ModelError;

/// Number of decimal places kept by every fixed-point amount in the model.
pub const SCALE_DIGITS: u32 = 6;
/// 10^[`SCALE_DIGITS`]: one whole unit (one share, one dollar, a price of 1.0).
pub const SCALE: u64 = 1_000_000;

/// What to do with digits beyond the sixth decimal place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rounding {
    /// Refuse the value: it cannot be represented exactly.
    Exact,
    /// Round half away from zero (for informational amounts such as Gamma volumes).
    Nearest,
}

/// Parses an optionally signed decimal (`"-12.5"`, `"0.001"`, `"7"`, `"1e-3"`, `".5"`) into an
/// integer number of millionths.
pub fn parse_scaled(text: &str, rounding: Rounding) -> Result<i128, ModelError> {
    let bytes = text.as_bytes();
    let invalid = || ModelError::InvalidNumber(truncate_for_error(text));
    if bytes.is_empty() {
        return Err(invalid());
    }
    let (negative, mut i) = match bytes[0] {
        b'-' => (true, 1),
        b'+' => (false, 1),
        _ => (false, 0),
    };
    let mut mantissa: i128 = 0;
    let mut frac_digits: i32 = 0;
    let mut seen_digit = false;
    let mut seen_dot = false;
    // Fraction digits past the 18th are dropped: they only matter to `Rounding::Exact`, which
    // refuses the value if any of them is non-zero.
    let mut dropped_nonzero = false;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'0'..=b'9' => {
                seen_digit = true;
                let d = i128::from(b - b'0');
                if seen_dot && frac_digits >= 18 {
                    dropped_nonzero |= d != 0;
                } else {
                    mantissa = mantissa
                        .checked_mul(10)
                        .and_then(|m| m.checked_add(d))
                        .ok_or_else(|| ModelError::OutOfRange(truncate_for_error(text)))?;
                    if seen_dot {
                        frac_digits += 1;
                    }
                }
            }
            b'.' if !seen_dot => seen_dot = true,
            b'e' | b'E' if seen_digit => break,
            _ => return Err(invalid()),
        }
        i += 1;
    }
    if !seen_digit {
        return Err(invalid());
    }
    let mut exponent: i32 = 0;
    if i < bytes.len() {
        // Exponent part: bytes[i] is 'e' or 'E'.
        let exp_text = &text[i + 1..];
        exponent = exp_text.parse::<i32>().map_err(|_| invalid())?;
        if !(-40..=40).contains(&exponent) {
            return Err(ModelError::OutOfRange(truncate_for_error(text)));
        }
    }
    if dropped_nonzero && rounding == Rounding::Exact {
        return Err(ModelError::TooPrecise(truncate_for_error(text)));
    }
    // value = mantissa * 10^(exponent - frac_digits); we want value * 10^6.
    let shift = exponent - frac_digits + SCALE_DIGITS as i32;
    let mut value = if shift >= 0 {
        let factor = 10i128
            .checked_pow(shift as u32)
            .ok_or_else(|| ModelError::OutOfRange(truncate_for_error(text)))?;
        mantissa
            .checked_mul(factor)
            .ok_or_else(|| ModelError::OutOfRange(truncate_for_error(text)))?
    } else {
        let divisor = 10i128
            .checked_pow((-shift) as u32)
            .ok_or_else(|| ModelError::OutOfRange(truncate_for_error(text)))?;
        let quotient = mantissa / divisor;
        let remainder = mantissa % divisor;
        match rounding {
            Rounding::Exact if remainder != 0 => {
                return Err(ModelError::TooPrecise(truncate_for_error(text)));
            }
            Rounding::Exact => quotient,
            Rounding::Nearest => {
                if remainder * 2 >= divisor {
                    quotient + 1
                } else {
                    quotient
                }
            }
        }
    };
    if negative {
        value = -value;
    }
    Ok(value)
}

/// Writes `value` millionths as a plain decimal with trailing zeros removed (`1500000` → `1.5`).
pub fn format_scaled(value: i128, out: &mut impl core::fmt::Write) -> core::fmt::Result {
    let negative = value < 0;
    let abs = value.unsigned_abs();
    let whole = abs / u128::from(SCALE);
    let mut frac = abs % u128::from(SCALE);
    if negative {
        out.write_char('-')?;
    }
    write!(out, "{whole}")?;
    if frac != 0 {
        let mut digits = SCALE_DIGITS as usize;
        while frac.is_multiple_of(10) {
            frac /= 10;
            digits -= 1;
        }
        write!(out, ".{frac:0digits$}")?;
    }
    Ok(())
}

fn truncate_for_error(text: &str) -> String {
    truncate_text(text, 64)
}

/// `text` cut to at most `max` bytes on a character boundary, with `…` marking a cut; for
/// quoting untrusted input in error messages without echoing megabytes of it.
#[must_use]
pub fn truncate_text(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(s: &str) -> Result<i128, ModelError> {
        parse_scaled(s, Rounding::Exact)
    }

    #[test]
    fn parses_plain_decimals() {
        assert_eq!(exact("0.5").unwrap(), 500_000);
        assert_eq!(exact("1").unwrap(), 1_000_000);
        assert_eq!(exact("-2.25").unwrap(), -2_250_000);
        assert_eq!(exact(".001").unwrap(), 1_000);
        assert_eq!(exact("219.217767").unwrap(), 219_217_767);
        assert_eq!(exact("0.500000000").unwrap(), 500_000);
        assert_eq!(exact("1e-3").unwrap(), 1_000);
        assert_eq!(exact("2.5E2").unwrap(), 250_000_000);
    }

    #[test]
    fn rejects_garbage_and_excess_precision() {
        for bad in [
            "", "-", ".", "abc", "1.2.3", "1,5", "NaN", "inf", "0x10", "1e", "e5", " 1",
        ] {
            assert!(
                matches!(exact(bad), Err(ModelError::InvalidNumber(_))),
                "{bad}"
            );
        }
        assert!(matches!(exact("0.0000001"), Err(ModelError::TooPrecise(_))));
        assert!(matches!(exact("0.1234567"), Err(ModelError::TooPrecise(_))));
        assert!(matches!(exact("1e999"), Err(ModelError::OutOfRange(_))));
    }

    #[test]
    fn rounds_to_nearest_when_asked() {
        assert_eq!(
            parse_scaled("0.21999995306666104", Rounding::Nearest).unwrap(),
            220_000
        );
        assert_eq!(parse_scaled("0.0000004", Rounding::Nearest).unwrap(), 0);
        assert_eq!(parse_scaled("0.0000005", Rounding::Nearest).unwrap(), 1);
        assert_eq!(
            parse_scaled("12345.678901234567890123", Rounding::Nearest).unwrap(),
            12_345_678_901
        );
    }

    #[test]
    fn formats_without_trailing_zeros() {
        let f = |v| {
            let mut s = String::new();
            format_scaled(v, &mut s).unwrap();
            s
        };
        assert_eq!(f(1_500_000), "1.5");
        assert_eq!(f(1_000), "0.001");
        assert_eq!(f(-2_000_000), "-2");
        assert_eq!(f(0), "0");
    }

    proptest::proptest! {
        #[test]
        fn format_then_parse_round_trips(v in -1_000_000_000_000_000i128..1_000_000_000_000_000i128) {
            let mut s = String::new();
            format_scaled(v, &mut s).unwrap();
            proptest::prop_assert_eq!(exact(&s).unwrap(), v);
        }
    }
}
