//! `mleg auth test`: for the IT person setting up OAuth2 — fetch a token,
//! log in to IMAP and to SMTP with it, and say what worked, one line each.
//! The token itself is never printed.

use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;

use mleg::app::App;
use mleg::mail::imap::Mailbox;
use mleg::mail::smtp::Sender;

#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Fetch a token, log in to IMAP and SMTP with it, say what worked.
    Test,
}

pub async fn run(app: &App, cmd: AuthCommand) -> Result<ExitCode> {
    match cmd {
        AuthCommand::Test => test(app).await,
    }
}

async fn test(app: &App) -> Result<ExitCode> {
    let (imap, smtp) = (&app.config.imap, &app.config.smtp);
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
    } else {
        println!("OAuth2: not used ([imap] and [smtp] have auth = \"password\")");
    }
    let imap_method = imap
        .oauth2
        .as_ref()
        .map_or("password", |t| t.mechanism().name());
    match Mailbox::connect(imap).await {
        Ok((mailbox, _)) => {
            println!("IMAP login as {} ({imap_method}): OK", imap.user);
            mailbox.logout().await;
        }
        Err(e) => {
            ok = false;
            println!("IMAP ({imap_method}): FAILED: {e}");
        }
    }
    let smtp_method = match (&smtp.oauth2, &smtp.credentials) {
        (Some(_), _) => "XOAUTH2",
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
