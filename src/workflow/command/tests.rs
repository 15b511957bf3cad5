use super::*;

fn plain(text: &str) -> ParsedReply {
    parse_reply(text, None)
}

fn html_only(html: &str) -> ParsedReply {
    parse_reply("", Some(html))
}

fn command(c: StaffCommand) -> ParsedReply {
    ParsedReply::Command(c)
}

fn not_understood(line: &str) -> ParsedReply {
    ParsedReply::NotUnderstood {
        first_line: line.to_string(),
    }
}

fn reject(reason: &str) -> ParsedReply {
    command(StaffCommand::Reject {
        reason: reason.to_string(),
    })
}

fn photo(reason: &str) -> ParsedReply {
    command(StaffCommand::RejectPhoto {
        reason: reason.to_string(),
    })
}

fn cancel(reason: &str) -> ParsedReply {
    command(StaffCommand::Cancel {
        reason: reason.to_string(),
    })
}

fn code(code: &str, at: Option<&str>) -> ParsedReply {
    command(StaffCommand::Code {
        code: code.to_string(),
        generated_at: at.map(|s| {
            NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").expect("test timestamp")
        }),
    })
}

// The quoted notification deliberately contains keyword lines ("TAK", "NIE
// <powód>"): a quote must never be read as her command.
const NOTIFICATION: &str = "Nowy wniosek o mLegitymację: Jan Kowalski, klasa 3b.\n\
                            \n\
                            TAK – zatwierdź wniosek\n\
                            NIE <powód> – odrzuć wniosek\n\
                            POMOC – lista poleceń\n";

fn quoted(body: &str) -> String {
    body.lines()
        .map(|l| {
            if l.is_empty() {
                ">".to_string()
            } else {
                format!("> {l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

// ---------------------------------------------------------------- keywords

#[test]
fn approve_variants() {
    for line in [
        "TAK",
        "tak",
        "Tak.",
        "TAK!",
        "tak !!!",
        "OK",
        "ok,",
        "Okay",
        "okej",
        "APPROVE",
        "approve.",
        "ZATWIERDŹ",
        "zatwierdz",
        "Zatwierdź!",
        "TAK 👍",
        "*TAK*",
        "  Tak  ",
    ] {
        assert_eq!(plain(line), command(StaffCommand::Approve), "{line:?}");
    }
}

#[test]
fn approve_is_a_whole_word_with_nothing_after_it() {
    for line in [
        "Takie zdjęcie jest złe",
        "OKAYish",
        "oki",
        "Tak, ale zdjęcie do poprawy",
        "OK dziękuję",
        "TAKK",
        "tak2",
    ] {
        assert_eq!(plain(line), not_understood(line), "{line:?}");
    }
}

#[test]
fn reject_variants_keep_reason_spelling() {
    assert_eq!(
        plain("NIE – zdjęcie nieaktualne"),
        reject("zdjęcie nieaktualne")
    );
    assert_eq!(
        plain("nie: Brak ZGODY rodzica.  "),
        reject("Brak ZGODY rodzica.")
    );
    assert_eq!(
        plain("Odrzuć, uczeń nie jest z naszej szkoły"),
        reject("uczeń nie jest z naszej szkoły")
    );
    assert_eq!(plain("ODRZUC - duplikat"), reject("duplikat"));
    assert_eq!(plain("REJECT wrong school"), reject("wrong school"));
    assert_eq!(plain("reject: Wrong PESEL"), reject("Wrong PESEL"));
}

#[test]
fn photo_variants() {
    assert_eq!(
        plain("ZDJĘCIE: tło nie jest jednolite"),
        photo("tło nie jest jednolite")
    );
    assert_eq!(plain("zdjecie - nieostre"), photo("nieostre"));
    assert_eq!(
        plain("Zdjęcie, twarz zasłonięta"),
        photo("twarz zasłonięta")
    );
    assert_eq!(
        plain("PHOTO blurry, please retake"),
        photo("blurry, please retake")
    );
}

#[test]
fn cancel_variants() {
    assert_eq!(
        plain("ANULUJ rodzic wycofał wniosek"),
        cancel("rodzic wycofał wniosek")
    );
    assert_eq!(
        plain("anuluj: uczeń zmienia szkołę"),
        cancel("uczeń zmienia szkołę")
    );
    assert_eq!(plain("CANCEL - duplicate"), cancel("duplicate"));
}

#[test]
fn keyword_only_commands() {
    for (line, want) in [
        ("WYDANO", StaffCommand::HandedOver),
        ("wydano.", StaffCommand::HandedOver),
        ("HANDED", StaffCommand::HandedOver),
        ("Handed over", StaffCommand::HandedOver),
        ("HANDED OVER.", StaffCommand::HandedOver),
        ("WPROWADZONO", StaffCommand::Entered),
        ("Wprowadzono!", StaffCommand::Entered),
        ("entered", StaffCommand::Entered),
        ("POMOC", StaffCommand::Help),
        ("pomoc?", StaffCommand::Help),
        ("Help", StaffCommand::Help),
        ("?", StaffCommand::Help),
        ("???", StaffCommand::Help),
    ] {
        assert_eq!(plain(line), command(want), "{line:?}");
    }
    for line in [
        "Wydano wczoraj",
        "HANDED OVER yesterday",
        "entered twice",
        "pomocy",
    ] {
        assert_eq!(plain(line), not_understood(line), "{line:?}");
    }
}

#[test]
fn reason_is_required() {
    for line in [
        "NIE", "Nie.", "nie!", "ODRZUĆ:", "reject -", "ZDJĘCIE", "photo:", "ANULUJ", "cancel.",
    ] {
        assert_eq!(plain(line), not_understood(line), "{line:?}");
    }
}

#[test]
fn reason_is_only_taken_from_the_first_line() {
    assert_eq!(plain("NIE\nzdjęcie nieaktualne"), not_understood("NIE"));
}

#[test]
fn words_merely_starting_like_keywords_are_not_commands() {
    for line in [
        "Nieaktualne zdjęcie",
        "Kodu jeszcze nie mam",
        "Photos attached",
        "Anulować?",
    ] {
        assert_eq!(plain(line), not_understood(line), "{line:?}");
    }
}

// -------------------------------------------------------------------- KOD

#[test]
fn code_without_date() {
    assert_eq!(plain("KOD AB12CD"), code("AB12CD", None));
    assert_eq!(plain("kod: ab12cd."), code("AB12CD", None));
    assert_eq!(plain("Kod - ab12-cd34"), code("AB12-CD34", None));
    assert_eq!(plain("CODE x1y2"), code("X1Y2", None));
}

#[test]
fn code_with_dates_in_each_format() {
    let noon = Some("2026-11-20 14:35:00");
    let midnight = Some("2026-11-20 00:00:00");
    assert_eq!(plain("KOD AB12CD 2026-11-20"), code("AB12CD", midnight));
    assert_eq!(plain("KOD AB12CD 20.11.2026"), code("AB12CD", midnight));
    assert_eq!(plain("KOD AB12CD 20-11-2026"), code("AB12CD", midnight));
    assert_eq!(plain("KOD AB12CD 20.11.2026 14:35"), code("AB12CD", noon));
    assert_eq!(plain("KOD AB12CD 2026-11-20 14:35"), code("AB12CD", noon));
    assert_eq!(
        plain("kod: ab12cd, 20.11.2026, godz. 14:35"),
        code("AB12CD", noon)
    );
    assert_eq!(
        plain("KOD AB12CD 20.11.2026 r. o 14:35."),
        code("AB12CD", noon)
    );
    assert_eq!(plain("KOD AB12CD 20.11.2026 r."), code("AB12CD", midnight));
    assert_eq!(
        plain("CODE ab12cd 2026-11-20 at 14:35"),
        code("AB12CD", noon)
    );
    assert_eq!(
        plain("KOD AB12CD 2026-11-20 14:35:10"),
        code("AB12CD", Some("2026-11-20 14:35:10"))
    );
    assert_eq!(
        plain("KOD AB12CD 5.1.2027 9:05"),
        code("AB12CD", Some("2027-01-05 09:05:00"))
    );
}

#[test]
fn code_problems_are_not_understood() {
    for line in [
        "KOD",
        "KOD AB1",
        "KOD A-B-C",
        "KOD AB12CD jutro",
        "KOD AB12CD 14:35",
        "KOD AB12CD 31.02.2026",
        "KOD AB12CD 20.11.26",
        "KOD AB12CD 20.11.2026 25:00",
        "KOD AB12CD 20.11.2026 14:35 15:00",
        "KOD AB12 CD34",
        "KOD 2026-11-20",
        "KOD 20.11.2026 14:35",
        "KOD ĄĘ12CD",
    ] {
        assert_eq!(plain(line), not_understood(line), "{line:?}");
    }
}

// ------------------------------------------------------- Gmail plain text

#[test]
fn gmail_top_post_polish_attribution() {
    let body = format!(
        "TAK\n\npon., 23 lis 2026 o 10:00 Sekretariat SP 12 <mleg@sp12.edu.pl> napisał(a):\n\n{}\n",
        quoted(NOTIFICATION)
    );
    assert_eq!(own_text(&body, None), "TAK");
    assert_eq!(plain(&body), command(StaffCommand::Approve));
}

#[test]
fn gmail_top_post_english_attribution() {
    let body = format!(
        "Photo: background is not plain\r\n\r\nOn Mon, Nov 23, 2026 at 10:00 AM mLegitymacja <mleg@sp12.edu.pl> wrote:\r\n\r\n{}\r\n",
        quoted(NOTIFICATION).replace('\n', "\r\n")
    );
    assert_eq!(plain(&body), photo("background is not plain"));
}

#[test]
fn gmail_attribution_wrapped_over_two_lines() {
    for attribution in [
        "On Mon, Nov 23, 2026 at 10:00 AM Sekretariat Szkoły Podstawowej nr 12 <mleg@sp12.edu.pl>\nwrote:",
        "On Mon, Nov 23, 2026 at 10:00 AM Sekretariat Szkoły Podstawowej nr 12 <\nmleg@sp12.edu.pl> wrote:",
        "pon., 23 lis 2026 o 10:00 Sekretariat Szkoły Podstawowej nr 12 <mleg@sp12.edu.pl>\nnapisał(a):",
    ] {
        let body = format!("\n\n{attribution}\n\n{}\n", quoted(NOTIFICATION));
        assert_eq!(plain(&body), ParsedReply::Empty, "{attribution:?}");
        let body = format!(
            "NIE – zdjęcie nieaktualne\n\n{attribution}\n\n{}\n",
            quoted(NOTIFICATION)
        );
        assert_eq!(own_text(&body, None), "NIE – zdjęcie nieaktualne");
    }
}

#[test]
fn command_directly_above_attribution_is_not_swallowed() {
    let body = format!(
        "TAK\nOn Mon, Nov 23, 2026 at 10:00 AM mLegitymacja <mleg@sp12.edu.pl> wrote:\n{}",
        quoted(NOTIFICATION)
    );
    assert_eq!(plain(&body), command(StaffCommand::Approve));
}

#[test]
fn quote_only_reply_is_empty() {
    let body = format!(
        "\n\nW dniu 23.11.2026 o 10:00, mLegitymacja <mleg@sp12.edu.pl> pisze:\n{}\n",
        quoted(NOTIFICATION)
    );
    assert_eq!(plain(&body), ParsedReply::Empty);
}

// ----------------------------------------------------------- Gmail HTML

#[test]
fn gmail_html_only_with_gmail_quote() {
    let html = r##"<div dir="ltr">Zdjęcie: t&#322;o nie jest jednolite</div><br><div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">pon., 23 lis 2026 o 10:00&nbsp;mLegitymacja &lt;<a href="mailto:mleg@sp12.edu.pl">mleg@sp12.edu.pl</a>&gt; napisał(a):<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex"><div dir="ltr"><div>Nowy wniosek</div><div><br></div><div>TAK – zatwierdź wniosek</div></div></blockquote></div>"##;
    assert_eq!(own_text("", Some(html)), "Zdjęcie: tło nie jest jednolite");
    assert_eq!(html_only(html), photo("tło nie jest jednolite"));
}

#[test]
fn gmail_html_quote_only_is_empty() {
    let html = r##"<div dir="ltr"><br></div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, Nov 23, 2026 at 10:00 AM mLegitymacja wrote:<br></div><blockquote class="gmail_quote"><div><div>TAK – zatwierdź</div></div></blockquote></div>"##;
    assert_eq!(html_only(html), ParsedReply::Empty);
}

#[test]
fn gmail_html_signature_is_ignored() {
    let html = r##"<div dir="ltr"><div>Dzień dobry,</div><div><br></div><div>ok</div><div><br></div><span class="gmail_signature_prefix">-- </span><br><div dir="ltr" class="gmail_signature"><div>Anna Nowak</div></div></div>"##;
    assert_eq!(html_only(html), command(StaffCommand::Approve));
}

// --------------------------------------------------------------- Outlook

#[test]
fn outlook_plain_original_message() {
    let body = "OK\r\n\r\n-----Original Message-----\r\nFrom: mLegitymacja <mleg@sp12.edu.pl>\r\nSent: Monday, November 23, 2026 10:00 AM\r\nTo: Sekretariat <sekretariat@sp12.edu.pl>\r\nSubject: Nowy wniosek\r\n\r\nNIE <powód> – odrzuć wniosek\r\n";
    assert_eq!(own_text(body, None), "OK");
    assert_eq!(plain(body), command(StaffCommand::Approve));
}

#[test]
fn outlook_plain_polish_separator() {
    let body = "Wydano\n\n-----Oryginalna wiadomość-----\nOd: mLegitymacja\nTAK – zatwierdź\n";
    assert_eq!(plain(body), command(StaffCommand::HandedOver));
}

#[test]
fn outlook_plain_od_wyslane_block() {
    let body = "Wprowadzono\n\nOd: mLegitymacja <mleg@sp12.edu.pl>\nWysłane: poniedziałek, 23 listopada 2026 10:00\nDo: Sekretariat <sekretariat@sp12.edu.pl>\nTemat: Nowy wniosek\n\nTAK – zatwierdź wniosek\n";
    assert_eq!(own_text(body, None), "Wprowadzono");
    assert_eq!(plain(body), command(StaffCommand::Entered));
}

#[test]
fn outlook_plain_underscore_line() {
    let body = "Anuluj – rodzic wycofał wniosek\n\n________________________________\nOd: mLegitymacja <mleg@sp12.edu.pl>\nWysłane: poniedziałek, 23 listopada 2026 10:00\nDo: Sekretariat\nTemat: Nowy wniosek\n\nTAK – zatwierdź wniosek\n";
    assert_eq!(plain(body), cancel("rodzic wycofał wniosek"));
}

#[test]
fn outlook_quote_only_is_empty_even_though_quote_is_unmarked() {
    let body = "\n\n________________________________\nFrom: mLegitymacja\nSent: Monday, November 23, 2026 10:00 AM\nTo: Sekretariat\nSubject: Nowy wniosek\n\nTAK\n";
    assert_eq!(plain(body), ParsedReply::Empty);
    let body = "*From:* mLegitymacja\n*Sent:* Monday\n\nTAK\n";
    assert_eq!(plain(body), ParsedReply::Empty);
}

#[test]
fn outlook_html_with_div_rply_fwd_msg() {
    let html = r##"<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<style type="text/css" style="display:none;"> P {margin-top:0;margin-bottom:0;} </style>
</head>
<body dir="ltr">
<div class="elementToProof" style="font-family: Aptos, Calibri, Helvetica, sans-serif; font-size: 12pt;">
ODRZUĆ &#8211; brak zgody rodzica</div>
<div id="appendonsend"></div>
<hr style="display:inline-block;width:98%" tabindex="-1">
<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" color="#000000"><b>Od:</b> mLegitymacja &lt;mleg@sp12.edu.pl&gt;<br>
<b>Wysłane:</b> poniedziałek, 23 listopada 2026 10:00<br><b>Do:</b> Sekretariat<br><b>Temat:</b> Nowy wniosek</font>
<div>&nbsp;</div></div>
<div><p>TAK – zatwierdź wniosek</p></div>
</body></html>"##;
    assert_eq!(own_text("", Some(html)), "ODRZUĆ – brak zgody rodzica");
    assert_eq!(html_only(html), reject("brak zgody rodzica"));
}

#[test]
fn outlook_desktop_html_without_ids_falls_back_to_header_block() {
    let html = "<html><body lang=PL><div class=WordSection1><p class=MsoNormal>Tak<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p><div><div style='border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm'><p class=MsoNormal><b>Od:</b> mLegitymacja &lt;mleg@sp12.edu.pl&gt; <br><b>Wys&#322;ane:</b> poniedzia&#322;ek, 23 listopada 2026 10:00<br><b>Do:</b> Sekretariat<br><b>Temat:</b> Nowy wniosek<o:p></o:p></p></div></div><p class=MsoNormal>NIE &lt;pow&oacute;d&gt;<o:p></o:p></p></div></body></html>";
    assert_eq!(own_text("", Some(html)), "Tak");
}

// ----------------------------------------------------------- Thunderbird

#[test]
fn thunderbird_bottom_post_plain() {
    let body = format!(
        "W dniu 23.11.2026 o 10:00, mLegitymacja <mleg@sp12.edu.pl> pisze:\n{}\n> > starszy cytat\n\nKOD: ab12cd34 20.11.2026 14:35\n\n-- \nAnna Nowak\nSekretariat SP 12\n",
        quoted(NOTIFICATION)
    );
    assert_eq!(own_text(&body, None), "KOD: ab12cd34 20.11.2026 14:35");
    assert_eq!(plain(&body), code("AB12CD34", Some("2026-11-20 14:35:00")));
}

#[test]
fn thunderbird_bottom_post_after_top_greeting() {
    let body = format!(
        "W dniu 23.11.2026 o 10:00 Sekretariat <a@b.pl> pisze:\n{}\n\nDzień dobry,\n\nNIE - brak podpisu\n",
        quoted(NOTIFICATION)
    );
    assert_eq!(plain(&body), reject("brak podpisu"));
}

#[test]
fn thunderbird_html_bottom_post_with_moz_cite_prefix() {
    let html = r##"<!DOCTYPE html>
<html>
  <head>
    <meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
  </head>
  <body>
    <div class="moz-cite-prefix">W dniu 23.11.2026 o 10:00, mLegitymacja
      pisze:<br>
    </div>
    <blockquote type="cite" cite="mid:abc@sp12.edu.pl">
      <p>Nowy wniosek</p>
      <blockquote type="cite">TAK – starszy cytat</blockquote>
      <p>TAK – zatwierdź wniosek</p>
    </blockquote>
    <p>WPROWADZONO</p>
    <pre class="moz-signature" cols="72">-- 
Anna Nowak</pre>
  </body>
</html>"##;
    assert_eq!(own_text("", Some(html)), "WPROWADZONO");
    assert_eq!(html_only(html), command(StaffCommand::Entered));
}

#[test]
fn thunderbird_html_top_post() {
    let html = r##"<html><body><p>Tak<br></p><div class="moz-cite-prefix">W dniu 23.11.2026 o 10:00, mLegitymacja pisze:<br></div><blockquote type="cite">NIE &lt;powód&gt;</blockquote></body></html>"##;
    assert_eq!(html_only(html), command(StaffCommand::Approve));
}

// ------------------------------------------------------ Apple / mobile

#[test]
fn apple_mail_sent_from_my_iphone() {
    let body = format!(
        "Tak\n\nSent from my iPhone\n\n> On 23 Nov 2026, at 10:00, mLegitymacja <mleg@sp12.edu.pl> wrote:\n> \n{}\n",
        quoted(NOTIFICATION)
    );
    assert_eq!(own_text(&body, None), "Tak");
    assert_eq!(plain(&body), command(StaffCommand::Approve));
}

#[test]
fn apple_mail_polish_quote_only_is_empty() {
    let body = format!(
        "\nWysłano z iPhone’a\n\nWiadomość napisana przez mLegitymacja <mleg@sp12.edu.pl> w dniu 23.11.2026, o godz. 10:00:\n\n{}\n",
        quoted(NOTIFICATION)
    );
    assert_eq!(plain(&body), ParsedReply::Empty);
}

#[test]
fn outlook_mobile_footer_is_ignored() {
    let body = "Pobierz aplikację Outlook dla systemu iOS\n________________________________\nFrom: mLegitymacja\nSent: Monday\nTAK\n";
    assert_eq!(plain(body), ParsedReply::Empty);
}

#[test]
fn webmail_dnia_attribution_with_unmarked_quote() {
    let body = "Anuluj: zły uczeń\n\nDnia 23 listopada 2026 10:00 mLegitymacja <mleg@sp12.edu.pl> napisał(a):\nNowy wniosek\nTAK – zatwierdź\n";
    assert_eq!(plain(body), cancel("zły uczeń"));
    let quote_only = "Dnia 23 listopada 2026 10:00 mLegitymacja <mleg@sp12.edu.pl> napisał(a):\nTAK – zatwierdź\n";
    assert_eq!(plain(quote_only), ParsedReply::Empty);
}

#[test]
fn forwarded_message_separator_stops() {
    let body = "---------- Forwarded message ---------\nOd: mLegitymacja\nTAK\n";
    assert_eq!(plain(body), ParsedReply::Empty);
}

// ------------------------------------------------ greetings, signatures

#[test]
fn greeting_lines_are_skipped() {
    assert_eq!(
        plain("Dzień dobry,\n\nTAK\n\nPozdrawiam\nAnna Nowak"),
        command(StaffCommand::Approve)
    );
    assert_eq!(
        plain("Witam Pani Ewo,\nNIE – zdjęcie sprzed 5 lat"),
        reject("zdjęcie sprzed 5 lat")
    );
    assert_eq!(plain("Hi Anna,\n\nok"), command(StaffCommand::Approve));
    assert_eq!(plain("Cześć!\nWYDANO"), command(StaffCommand::HandedOver));
    assert_eq!(
        plain("Szanowni Państwo,\nPOMOC"),
        command(StaffCommand::Help)
    );
}

#[test]
fn greeting_with_keyword_or_alone_is_not_understood() {
    assert_eq!(
        plain("Dzień dobry, TAK"),
        not_understood("Dzień dobry, TAK")
    );
    assert_eq!(
        plain("Dzień dobry,\n\nPozdrawiam"),
        not_understood("Dzień dobry,")
    );
    // A long first line starting with a greeting word is just prose.
    let line = "Witam, mam pytanie o ten wniosek z wczoraj";
    assert_eq!(plain(line), not_understood(line));
    // "hi" must be a whole word.
    assert_eq!(plain("History"), not_understood("History"));
}

#[test]
fn signature_only_reply_is_empty() {
    assert_eq!(
        plain("-- \nAnna Nowak\nSekretariat SP 12\ntel. 22 123 45 67"),
        ParsedReply::Empty
    );
    assert_eq!(plain("\n\n--\nAnna Nowak\n"), ParsedReply::Empty);
    assert_eq!(
        plain("Pozdrawiam serdecznie,\nAnna Nowak"),
        ParsedReply::Empty
    );
    let body = format!(
        "\n-- \nAnna Nowak\n\nW dniu 23.11.2026 o 10:00, mLegitymacja pisze:\n{}",
        quoted(NOTIFICATION)
    );
    assert_eq!(plain(&body), ParsedReply::Empty);
}

#[test]
fn empty_replies() {
    assert_eq!(plain(""), ParsedReply::Empty);
    assert_eq!(plain(" \r\n\t\n"), ParsedReply::Empty);
    assert_eq!(parse_reply("", Some("")), ParsedReply::Empty);
    assert_eq!(
        html_only("<html><body><div><br></div></body></html>"),
        ParsedReply::Empty
    );
}

// ------------------------------------------------------ text vs HTML

#[test]
fn text_part_is_preferred_over_html() {
    assert_eq!(
        parse_reply("TAK\n", Some("<p>NIE &#8211; inny</p>")),
        command(StaffCommand::Approve)
    );
}

#[test]
fn html_is_used_when_text_part_has_no_own_text() {
    let text = format!("\n{}", quoted(NOTIFICATION));
    assert_eq!(
        parse_reply(&text, Some("<div>Wydano</div><blockquote>TAK</blockquote>")),
        command(StaffCommand::HandedOver)
    );
}

#[test]
fn html_ignores_head_style_script_and_comments() {
    let html = "<html><head><title>TAK</title><style>p { content: 'TAK'; }</style></head><body><script>if (a<b) { x = '</p>TAK'; }</script><!-- TAK --><p>NIE - z&#x142;e zdj&#281;cie &amp; t&lt;o&gt;</p></body></html>";
    assert_eq!(html_only(html), reject("złe zdjęcie & t<o>"));
}

#[test]
fn html_inline_markup_and_entities() {
    assert_eq!(
        html_only("<p><b>T</b>AK</p>"),
        command(StaffCommand::Approve)
    );
    assert_eq!(
        html_only("<div>zdj&eogon;cie:&nbsp;&nbsp;t&lstrok;o</div>"),
        photo("tło")
    );
    assert_eq!(
        html_only("<div>KOD&#58; <span>ab12cd</span></div>"),
        code("AB12CD", None)
    );
    // Unknown or malformed entities stay as typed.
    assert_eq!(
        html_only("<p>NIE &foo; &#xZZ; &</p>"),
        reject("&foo; &#xZZ; &")
    );
}

#[test]
fn html_nested_gmail_quote_divs_are_balanced() {
    let html = r##"<div>tak</div><div class="gmail_quote"><div><div>NIE</div></div><div>x</div></div><div>ignored, after command</div>"##;
    assert_eq!(own_text("", Some(html)), "tak\nignored, after command");
}

#[test]
fn html_attributes_with_quotes_and_gt() {
    let html = r##"<div title="a > b" class='x_gmail_quote'>TAK</div><p data-x=">">Pomoc</p>"##;
    assert_eq!(html_only(html), command(StaffCommand::Help));
}

#[test]
fn malformed_html_does_not_panic() {
    for html in [
        "<",
        "<<<",
        "</",
        "<div",
        "<div class=\"gmail_quote",
        "<p>TAK</p><blockquote>",
        "a < b > c",
        "&#99999999999;",
        "&#0;",
        "<div id=divRplyFwdMsg>",
        "<head><p>TAK",
        "<style>TAK",
        "<a href='x>TAK",
        "<!-- unterminated",
        "<!DOCTYPE html><p>ok</p>",
    ] {
        let _ = html_only(html);
    }
    assert_eq!(html_only("<head><p>TAK"), command(StaffCommand::Approve));
    assert_eq!(
        html_only("<!DOCTYPE html><p>ok</p>"),
        command(StaffCommand::Approve)
    );
}

// ------------------------------------------------------------- misc

#[test]
fn invisible_characters_and_nbsp_are_ignored() {
    assert_eq!(plain("\u{feff}TAK\u{200b}"), command(StaffCommand::Approve));
    assert_eq!(plain("NIE\u{a0}–\u{a0}zdjęcie"), reject("zdjęcie"));
}

#[test]
fn not_understood_reports_first_own_line_clipped() {
    let body = format!(
        "Dzień dobry,\nCzy to ten uczeń z 3b?\nTAK\n\nW dniu 23.11.2026 o 10:00, mLegitymacja pisze:\n{}",
        quoted(NOTIFICATION)
    );
    assert_eq!(plain(&body), not_understood("Czy to ten uczeń z 3b?"));
    let long = "ż".repeat(500);
    assert_eq!(plain(&long), not_understood(&"ż".repeat(MAX_FIRST_LINE)));
}

#[test]
fn only_the_first_64_kib_are_read() {
    let late = format!("{}TAK", "\n".repeat(MAX_INPUT));
    assert_eq!(plain(&late), ParsedReply::Empty);
    // A multi-byte char straddling the limit must not panic.
    let straddle = format!("TAK\n{}", "ą".repeat(MAX_INPUT));
    assert_eq!(plain(&straddle), command(StaffCommand::Approve));
    let html = format!("<p>TAK</p><div title=\"{}", "ą".repeat(MAX_INPUT));
    assert_eq!(html_only(&html), command(StaffCommand::Approve));
}

#[test]
fn prose_line_above_attribution_is_kept() {
    let body = "3b, proszę sprawdzić
W dniu 23.11.2026 o 10:00, mLegitymacja <a@b.pl> pisze:
> TAK";
    assert_eq!(plain(body), not_understood("3b, proszę sprawdzić"));
}

/// Hostile input ends with a sane answer (its cost is measured, as a
/// ratio, in `benches/hot_paths.rs`, not asserted here).
#[test]
fn pathological_html_stays_cheap() {
    let html = "<head>".repeat(MAX_INPUT / 6) + "<p>TAK</p>";
    let _ = html_only(&html);
    let nested = "<blockquote>".repeat(MAX_INPUT / 12);
    assert_eq!(html_only(&nested), ParsedReply::Empty);
    let lines = "Od: x\n\n\n".repeat(MAX_INPUT / 8);
    assert_eq!(plain(&lines), not_understood("Od: x"));
}

#[test]
fn thunderbird_bottom_post_with_a_quoted_notification_and_a_signature() {
    let body = "W dniu 23.11.2026 o 10:00, Sekretariat SP 1 pisze:\r\n> Rodzic przysłał poprawne zdjęcie do mLegitymacji.\r\n> Dane do wprowadzenia w systemie:\r\n> \r\n>   Nazwisko:            Styla\r\n> Podgląd: mleg apps show 3\r\n\r\nok.\r\n\r\n-- \r\nAnna Kowalska\r\nsekretariat\r\n";
    assert_eq!(
        parse_reply(body, None),
        ParsedReply::Command(StaffCommand::Approve)
    );
}

/// Everyday sentences that start with a command word must never act: a
/// rejection or a code cannot be undone.
#[test]
fn sentences_starting_with_command_words_are_not_commands() {
    for line in [
        "Kod gotowy",
        "Kod wygenerowany.",
        "Kod przekazany",
        "Nie mogę otworzyć załącznika",
        "Nie wiem, czy to zdjęcie jest dobre",
        "Zdjęcie jest OK",
        "Zdjęcie w porządku, zatwierdzam",
    ] {
        assert!(
            matches!(plain(line), ParsedReply::NotUnderstood { .. }),
            "{line:?} → {:?}",
            plain(line)
        );
    }
    let reject = |r: &str| ParsedReply::Command(StaffCommand::Reject { reason: r.into() });
    assert_eq!(
        plain("NIE zdjęcie nieaktualne"),
        reject("zdjęcie nieaktualne")
    );
    assert_eq!(
        plain("Nie, zdjęcie nieaktualne"),
        reject("zdjęcie nieaktualne")
    );
    assert_eq!(
        plain("nie: brak zgody rodzica"),
        reject("brak zgody rodzica")
    );
    assert_eq!(
        plain("Zdjęcie – proszę o jaśniejsze tło"),
        ParsedReply::Command(StaffCommand::RejectPhoto {
            reason: "proszę o jaśniejsze tło".into()
        })
    );
    assert_eq!(
        plain("kod ab12cd"),
        ParsedReply::Command(StaffCommand::Code {
            code: "AB12CD".into(),
            generated_at: None
        })
    );
    assert_eq!(
        plain("KOD QWERTYUI"),
        ParsedReply::Command(StaffCommand::Code {
            code: "QWERTYUI".into(),
            generated_at: None
        })
    );
}

#[test]
fn sprzeciw_confirms_an_objection_only_as_a_bare_word() {
    for text in [
        "SPRZECIW",
        "Sprzeciw",
        "sprzeciw.",
        "OBJECTION",
        "Dzień dobry,\nSPRZECIW\n\n> cytat",
    ] {
        assert_eq!(plain(text), command(StaffCommand::Objection), "{text:?}");
    }
    assert_eq!(
        plain("Sprzeciw rodzica dotyczy starszego syna"),
        not_understood("Sprzeciw rodzica dotyczy starszego syna")
    );
}

fn invalidate(reason: InvalidationReason) -> ParsedReply {
    command(StaffCommand::Invalidate { reason })
}

#[test]
fn uniewaznij_with_each_reason_in_polish_with_and_without_diacritics_or_in_english() {
    use InvalidationReason::*;
    let cases = [
        ("UNIEWAŻNIJ wniosek rodzica", ParentRequest),
        ("uniewaznij: wniosek rodzica", ParentRequest),
        ("INVALIDATE parent_request", ParentRequest),
        ("UNIEWAŻNIJ zmiana nazwiska", NameChange),
        ("Unieważnij – zmiana nazwiska.", NameChange),
        ("INVALIDATE name_change", NameChange),
        ("UNIEWAŻNIJ legitymacja nieważna", CardInvalid),
        ("UNIEWAZNIJ legitymacja niewazna", CardInvalid),
        ("invalidate card_invalid", CardInvalid),
        ("UNIEWAŻNIJ zmiana szkoły", Transfer),
        ("UNIEWAZNIJ zmiana szkoly", Transfer),
        ("INVALIDATE transfer", Transfer),
        ("UNIEWAŻNIJ sprzeciw", Objection),
        ("uniewaznij sprzeciw", Objection),
        ("INVALIDATE objection", Objection),
    ];
    for (line, reason) in cases {
        let body = format!("{line}\n\n{}", quoted(NOTIFICATION));
        assert_eq!(plain(&body), invalidate(reason), "{line}");
    }
}

#[test]
fn uniewaznij_without_a_known_reason_is_not_understood_rather_than_guessed() {
    for line in ["UNIEWAŻNIJ", "UNIEWAŻNIJ bo tak", "INVALIDATE lost"] {
        assert_eq!(plain(line), not_understood(line), "{line}");
    }
}

#[test]
fn ponownie_or_reissue_alone_on_its_line_asks_for_a_reissue() {
    for line in ["PONOWNIE", "ponownie.", "REISSUE", "Reissue!"] {
        assert_eq!(
            plain(line),
            command(StaffCommand::Reissue { keep_photo: false }),
            "{line}"
        );
    }
    assert_eq!(
        plain("Ponownie proszę o zdjęcie"),
        not_understood("Ponownie proszę o zdjęcie")
    );
}

#[test]
fn ponownie_ze_zdjeciem_or_reissue_keep_photo_asks_to_keep_the_photo() {
    let keep = command(StaffCommand::Reissue { keep_photo: true });
    for line in [
        "PONOWNIE ZE ZDJĘCIEM",
        "ponownie ze zdjeciem.",
        "Ponownie z zdjęciem",
        "REISSUE KEEP-PHOTO",
        "reissue keep photo",
    ] {
        assert_eq!(plain(line), keep, "{line}");
    }
    for line in ["PONOWNIE ZE ZDJĘCIEM proszę", "REISSUE PHOTO"] {
        assert_eq!(plain(line), not_understood(line), "{line}");
    }
}
