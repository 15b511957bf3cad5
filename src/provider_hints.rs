//! What Microsoft's and Google's own error texts mean for the school's IT
//! person: one line saying what to change.
//!
//! Both providers answer a refused login or sender with a code in their own
//! words (`535 5.7.139 …`, `AADSTS7000222: …`, `invalid_grant`). Quoted bare,
//! they send the reader searching; the SMTP and IMAP sessions and the token
//! request put the line [`advice`] finds behind the server's text. Pure: it
//! reads text and nothing else, so one table serves every protocol (the token
//! endpoint lives outside `mail`, hence a module of its own).

/// One provider text and what to do about it.
struct Hint {
    /// A code (matched as a whole code: `5.7.3` is not `5.7.30`) or a phrase.
    needle: &'static str,
    advice: &'static str,
}

/// First match wins: the more specific codes come first.
const HINTS: &[Hint] = &[
    Hint {
        needle: "AADSTS7000222",
        advice: "the Microsoft client secret has expired: create a new one in Entra ID \
                 (App registrations → mleg → Certificates & secrets) and put its Value into \
                 the file or variable named by [oauth2] client_secret_file / client_secret_env",
    },
    Hint {
        needle: "AADSTS7000215",
        advice: "the Microsoft client secret is wrong: put the secret's Value (not its Secret \
                 ID) into the file or variable named by [oauth2] client_secret_file / \
                 client_secret_env",
    },
    Hint {
        needle: "AADSTS700016",
        advice: "no application with this client_id in this tenant: copy [oauth2] client_id \
                 and tenant_id from Entra ID → App registrations → mleg → Overview",
    },
    Hint {
        needle: "invalid_grant",
        advice: "Google refused the grant: a refresh token that was revoked or expired needs a \
                 new one (README, OAuth2) in refresh_token_env; a service account needs \
                 domain-wide delegation for [oauth2] subject and a correct clock",
    },
    Hint {
        needle: "5.7.30",
        advice: "Microsoft turned off password sending (SMTP AUTH basic) for this mailbox: \
                 set [smtp] auth = \"oauth2\" and add [oauth2] (README, OAuth2)",
    },
    Hint {
        needle: "5.7.139",
        advice: "Microsoft refuses SMTP AUTH for this mailbox (turned off for the tenant or \
                 the mailbox, or blocked by security defaults): run Set-CASMailbox -Identity \
                 <mailbox> -SmtpClientAuthenticationDisabled $false, or with a password switch \
                 [smtp] auth to \"oauth2\" (README, OAuth2)",
    },
    Hint {
        needle: "5.7.57",
        advice: "Microsoft takes no mail without a login: set [smtp] user with a password, or \
                 auth = \"oauth2\", and use smtp.office365.com port 587 starttls",
    },
    Hint {
        needle: "SendAsDenied",
        advice: "the mailbox may not send as [smtp] from: make [smtp] from the mailbox itself \
                 ([smtp] user), or give it Send As rights (Add-RecipientPermission <from> \
                 -Trustee <user> -AccessRights SendAs)",
    },
    Hint {
        needle: "AUTHENTICATE failed",
        advice: "Exchange Online refused the token for IMAP: the app needs IMAP.AccessAsApp \
                 with admin consent, New-ServicePrincipal and Add-MailboxPermission \
                 -AccessRights FullAccess on [imap] user (README, OAuth2)",
    },
];

/// The line saying what to change for a provider error found in `text`, if
/// any is known.
pub fn advice(text: &str) -> Option<&'static str> {
    HINTS
        .iter()
        .find(|h| contains_whole(text, h.needle))
        .map(|h| h.advice)
}

/// `message`, followed by what to do when [`advice`] knows it.
pub fn explain(message: String) -> String {
    match advice(&message) {
        Some(advice) => format!("{message} → {advice}"),
        None => message,
    }
}

/// `needle` in `text` with no digit or letter glued to either end, so the
/// code `5.7.3` does not match `5.7.30` and `AADSTS700016` not `AADSTS7000160`.
fn contains_whole(text: &str, needle: &str) -> bool {
    text.match_indices(needle).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + needle.len()..].chars().next();
        let glued = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
        !glued(before) && !glued(after)
    })
}

#[cfg(test)]
mod tests {
    use super::advice;

    fn says(text: &str, words: &str) {
        let line = advice(text).unwrap_or_else(|| panic!("no advice for {text:?}"));
        assert!(line.contains(words), "{text:?} → {line:?}");
    }

    #[test]
    fn microsoft_basic_auth_off_for_client_submission_says_switch_to_oauth2() {
        says(
            "550 5.7.30 Basic authentication is not supported for Client Submission.",
            "auth = \"oauth2\"",
        );
    }

    #[test]
    fn microsoft_smtp_auth_disabled_for_the_tenant_names_set_casmailbox() {
        for text in [
            "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for \
             the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.",
            "535 5.7.139 Authentication unsuccessful, user is locked by your organization's \
             security defaults policy. Contact your administrator.",
            "535 5.7.139 Authentication unsuccessful, the request did not meet the criteria to \
             be authenticated successfully. Contact your administrator.",
        ] {
            says(text, "SmtpClientAuthenticationDisabled $false");
        }
    }

    #[test]
    fn microsoft_client_not_authenticated_says_log_in() {
        says(
            "530 5.7.57 Client not authenticated to send mail. Error: 530 5.7.57 SMTP; Client \
             was not authenticated to send anonymous mail during MAIL FROM",
            "[smtp] user",
        );
    }

    #[test]
    fn microsoft_send_as_denied_says_whose_rights() {
        says(
            "554 5.2.252 SendAsDenied; sekretariat@szkola.example.pl not allowed to send as \
             dyrektor@szkola.example.pl; STOREDRV.Submission.Exception:SendAsDeniedException.\
             MapiExceptionSendAsDenied",
            "Send As rights",
        );
    }

    #[test]
    fn exchange_imap_authenticate_failed_names_the_app_permissions() {
        says("A1 NO AUTHENTICATE failed.", "IMAP.AccessAsApp");
        says("NO AUTHENTICATE failed.", "Add-MailboxPermission");
    }

    #[test]
    fn google_revoked_refresh_token_says_create_a_new_one() {
        says(
            "invalid_grant: Token has been expired or revoked.",
            "refresh token",
        );
        says(
            "{\"error\": \"invalid_grant\", \"error_description\": \"Bad Request\"}",
            "new one",
        );
    }

    #[test]
    fn entra_wrong_secret_says_value_not_id() {
        says(
            "invalid_client: AADSTS7000215: Invalid client secret provided. Ensure the secret \
             being sent in the request is the client secret value, not the client secret ID, \
             for a secret added to app '00000000-0000-0000-0000-000000000000'.",
            "Value (not its Secret ID)",
        );
    }

    #[test]
    fn entra_unknown_application_names_client_id_and_tenant() {
        says(
            "unauthorized_client: AADSTS700016: Application with identifier \
             '00000000-0000-0000-0000-000000000000' was not found in the directory \
             'szkola.example.pl'. This can happen if the application has not been installed \
             by the administrator of the tenant or consented to by any user in the tenant.",
            "client_id and tenant_id",
        );
    }

    #[test]
    fn entra_expired_secret_says_create_a_new_one() {
        says(
            "invalid_client: AADSTS7000222: The provided client secret keys for app \
             '00000000-0000-0000-0000-000000000000' are expired. Visit the Azure portal to \
             create new keys for your app: https://aka.ms/NewClientSecret, or consider using \
             certificate credentials for added security: https://aka.ms/certCreds.",
            "has expired",
        );
    }

    #[test]
    fn codes_match_whole_not_as_prefix_and_other_errors_get_nothing() {
        assert_eq!(advice("535 5.7.3 Authentication unsuccessful"), None);
        assert_eq!(advice("AADSTS7000160: something else"), None);
        assert_eq!(advice("535 5.7.8 Error: authentication failed"), None);
        assert_eq!(advice("connection refused"), None);
    }
}
