//! The secretary's replies as real mail clients write them: Gmail, Outlook
//! and Thunderbird, plain text and HTML-only, top- and bottom-posted.

use mleg::domain::mail::IncomingMail;

use super::app::{SCHOOL, SECRETARY};
use super::mime::{Mail, base64};

/// How the reply is written.
#[derive(Debug, Clone, Copy)]
pub enum Style {
    GmailPlain,
    OutlookPlain,
    ThunderbirdBottom,
    GmailHtml,
    OutlookHtml,
}

pub const ALL_STYLES: [Style; 5] = [
    Style::GmailPlain,
    Style::OutlookPlain,
    Style::ThunderbirdBottom,
    Style::GmailHtml,
    Style::OutlookHtml,
];

fn quoted(note: &IncomingMail) -> String {
    note.text
        .lines()
        .map(|l| format!("> {l}"))
        .collect::<Vec<_>>()
        .join("\r\n")
}

/// A reply from `from` to the notification `note`, with `command` as its new text.
pub fn reply(from: &str, note: &IncomingMail, command: &str, style: Style) -> Mail {
    let subject = format!("Re: {}", note.subject);
    let id = note
        .message_id
        .clone()
        .expect("notification has a Message-ID");
    let mail = Mail::new(from, SCHOOL, &subject)
        .header(&format!("In-Reply-To: <{id}>"))
        .header(&format!("References: <{id}>"));
    match style {
        Style::GmailPlain => mail.text(&format!(
            "{command}\r\n\r\npon., 23 lis 2026 o 10:00 Sekretariat SP 1 <{SCHOOL}>\r\nnapisał(a):\r\n\r\n{}\r\n",
            quoted(note)
        )),
        Style::OutlookPlain => mail.text(&format!(
            "{command}\r\n\r\n-----Original Message-----\r\nFrom: Sekretariat SP 1 <{SCHOOL}>\r\nSent: Monday, November 23, 2026 10:00 AM\r\nTo: {SECRETARY}\r\nSubject: {}\r\n\r\n{}\r\n",
            note.subject, note.text
        )),
        Style::ThunderbirdBottom => mail.text(&format!(
            "W dniu 23.11.2026 o 10:00, Sekretariat SP 1 pisze:\r\n{}\r\n\r\n{command}\r\n\r\n-- \r\nAnna Kowalska\r\nsekretariat\r\n",
            quoted(note)
        )),
        Style::GmailHtml => html_only(
            mail,
            &format!(
                "<div dir=\"ltr\">{command}</div><br><div class=\"gmail_quote\"><div dir=\"ltr\" class=\"gmail_attr\">pon., 23 lis 2026 o 10:00 Sekretariat &lt;{SCHOOL}&gt; napisał(a):<br></div><blockquote class=\"gmail_quote\" style=\"margin:0px 0px 0px 0.8ex\">{}</blockquote></div>",
                note.text.replace('\n', "<br>")
            ),
        ),
        Style::OutlookHtml => html_only(
            mail,
            &format!(
                "<html><head><style>p {{ margin: 0 }}</style></head><body><div style=\"font-family: Calibri\">{command}</div><div id=\"appendonsend\"></div><hr style=\"display:inline-block;width:98%\"><div id=\"divRplyFwdMsg\" dir=\"ltr\"><b>From:</b> Sekretariat SP 1 &lt;{SCHOOL}&gt;<br><b>Sent:</b> Monday, November 23, 2026 10:00<br><b>Subject:</b> {}</div><div>{}</div></body></html>",
                note.subject,
                note.text.replace('\n', "<br>")
            ),
        ),
    }
}

/// Replaces the plain body with an HTML-only one (what some clients send).
fn html_only(mut mail: Mail, html: &str) -> Mail {
    mail.text = String::new();
    mail.html = Some(base64(html.as_bytes()));
    mail
}
