//! The ACS error body: `{"error": {"code", "message", "target"?, "details"?, "innererror"?}}`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommunicationErrorResponse {
    pub error: CommunicationError,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommunicationError {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<CommunicationError>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub innererror: Option<Box<CommunicationError>>,
}

impl CommunicationError {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        CommunicationError {
            code: code.into(),
            message: message.into(),
            target: None,
            details: Vec::new(),
            innererror: None,
        }
    }

    pub fn with_target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }
}
