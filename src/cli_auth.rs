//! `mleg auth test`: for the IT person setting up OAuth2 — fetch a token,
//! log in to IMAP and to SMTP with it (and to the secretary's own account,
//! `[staff_mailbox]`, when configured), and say what worked, one line each.
//! The token itself is never printed.

use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;

use mleg::app::App;
use mleg::config::ImapConfig;
use mleg::mail::imap::Mailbox;
use mleg::mail::smtp::Sender;

#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Fetch a token, log in to IMAP, SMTP (and the staff mailbox) with it, say what worked.
    Test,
}

pub async fn run(app: &App, cmd: AuthCommand) -> Result<ExitCode> {
    match cmd {
        AuthCommand::Test => test(app).await,
    }
}

async fn test(app: &App) -> Result<ExitCode> {
    let (imap, smtp) = (&app.config.imap, &app.config.smtp);
    let staff = app.config.staff_mailbox.as_ref().map(|s| &s.imap);
    let mut ok = true;
    if let Some(tokens) = imap.oauth2.as_ref().or(smtp.oauth2.as_ref()) {
        match tokens.token().await {
            Ok(_) => println!("OAuth2 token ({}): OK", tokens.provider_name()),
            Err(e) => {
                // IMAP and SMTP would only repeat this line.
                println!("OAuth2 token ({}): FAILED: {e}", tokens.provider_name());
                return Ok(ExitCode::FAILURE);
            }
        }
    } else if staff.is_none_or(|s| s.oauth2.is_none()) {
        println!("OAuth2: not used (every account has auth = \"password\")");
    }
    ok &= imap_login("IMAP", imap).await;
    // Her account may have a token source of its own: the login line
    // carries its fetch error, if any.
    if let Some(staff) = staff {
        ok &= imap_login("IMAP staff_mailbox", staff).await;
    }
    let smtp_method = match (&smtp.oauth2, &smtp.credentials) {
        (Some(tokens), _) => tokens.smtp_mechanism().name(),
        (None, Some(_)) => "password",
        (None, None) => "no login",
    };
    let checked = match Sender::connect(smtp).await {
        Ok(sender) => sender.check_login(smtp).await,
        Err(e) => Err(e),
    };
    match checked {
        Ok(()) => match &smtp.credentials {
            Some((user, _)) => println!("SMTP login as {user} ({smtp_method}): OK"),
            None => println!("SMTP: {smtp_method} configured; nothing to test"),
        },
        Err(e) => {
            ok = false;
            println!("SMTP ({smtp_method}): FAILED: {e}");
        }
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Logs in as the daemon would and prints one line; true if it worked.
async fn imap_login(what: &str, cfg: &ImapConfig) -> bool {
    let method = cfg
        .oauth2
        .as_ref()
        .map_or("password", |t| t.mechanism().name());
    match Mailbox::connect(cfg).await {
        Ok((mailbox, _)) => {
            println!("{what} login as {} ({method}): OK", cfg.user);
            mailbox.logout().await;
            true
        }
        Err(e) => {
            println!("{what} ({method}): FAILED: {e}");
            false
        }
    }
}
