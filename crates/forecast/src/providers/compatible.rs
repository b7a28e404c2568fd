//! Any OpenAI-compatible server by base URL (Ollama's `/v1`, vLLM, llama.cpp's server): the
//! OpenAI chat-completions protocol with `max_tokens` and a non-strict `json_schema`
//! response format (servers differ in how they enforce it, so the answer is always validated).
//! The key is optional; without one no `Authorization` header is sent.

use super::HttpTarget;
use super::openai::OpenAi;

/// The OpenAI client in compatible mode.
#[must_use]
pub fn compatible(target: HttpTarget, model: String, max_tokens: u32, temperature: f64) -> OpenAi {
    OpenAi::new(target, model, max_tokens, temperature).into_compatible()
}
