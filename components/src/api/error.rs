//! The error object of an RPC error frame.

use schemars::JsonSchema;
use serde::Serialize;

/// `{"status": 400, "detail": "…"}`, plus a machine-readable `code` and, for refusals caused by an
/// active fight, the fight's id and deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ApiError {
    /// HTTP meaning: 400 bad request, 403 forbidden, 404 not found, 409 conflict, 422 bad value,
    /// 429 rate limited, 501 not available yet, 503 busy.
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub combat_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    /// Seconds until a rate-limited request may succeed (429 of the account limits).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: u16, detail: impl Into<String>) -> ApiError {
        ApiError {
            status,
            detail: detail.into(),
            code: None,
            combat_id: None,
            deadline: None,
            retry_after: None,
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> ApiError {
        ApiError::new(400, detail)
    }

    pub fn not_found(detail: impl Into<String>) -> ApiError {
        ApiError::new(404, detail)
    }

    pub fn conflict(detail: impl Into<String>) -> ApiError {
        ApiError::new(409, detail)
    }

    pub fn unprocessable(detail: impl Into<String>) -> ApiError {
        ApiError::new(422, detail)
    }

    pub fn with_code(mut self, code: &str) -> ApiError {
        self.code = Some(code.to_string());
        self
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
