//! Debug implementations that never print passwords. prost's derived `Debug`
//! is switched off for these messages in `build.rs`.

use std::fmt;

impl fmt::Debug for crate::v1::AuthenticateUserCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthenticateUserCommand")
            .field("server_handle", &self.server_handle)
            .field("user_name", &self.user_name)
            .field("password", &"<redacted>")
            .finish()
    }
}

impl fmt::Debug for crate::plant::Authenticate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticate")
            .field("request_id", &self.request_id)
            .field("user_name", &self.user_name)
            .field("password", &"<redacted>")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_redacted_in_debug() {
        let cmd = crate::v1::AuthenticateUserCommand {
            server_handle: 1,
            user_name: "operator".into(),
            password: "hunter2-secret".into(),
        };
        let text = format!("{cmd:?}");
        assert!(!text.contains("hunter2-secret"), "{text}");
        let link = crate::plant::Authenticate {
            request_id: 1,
            user_name: "u".into(),
            password: "p@ss-word".into(),
        };
        assert!(!format!("{link:?}").contains("p@ss-word"));
    }
}
