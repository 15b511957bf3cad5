use super::{ParentRequest, RequestKind, parent_request};

fn kind(subject: &str, text: &str) -> Option<(RequestKind, bool)> {
    parent_request(subject, text).map(|ParentRequest { kind, new_one, .. }| (kind, new_one))
}

#[test]
fn a_lost_or_stolen_phone_in_everyday_words() {
    for (subject, text) in [
        ("mLegitymacja", "Zgubiony telefon, proszę o unieważnienie."),
        (
            "Zgubiłem telefon",
            "Dzień dobry, syn ma mLegitymację na tym telefonie.",
        ),
        ("mlegitymacja", "zgubilem telefon"),
        ("ZGUBIONY TELEFON", "z mLegitymacją córki"),
        ("Utrata telefonu", "Dotyczy mLegitymacji Ani Kowalskiej"),
        (
            "Re: mLegitymacja – stan sprawy",
            "Skradziony telefon. Co z legitymacją?",
        ),
        (
            "",
            "Dzień dobry,\nukradli synowi komórkę, a w niej mLegitymacja.",
        ),
        ("Unieważnienie", "Zgubiłam telefon."),
        ("legitymacja", "Córka zgubiła legitymację szkolną."),
    ] {
        assert_eq!(
            kind(subject, text),
            Some((RequestKind::Lost, false)),
            "{subject:?} {text:?}"
        );
    }
}

#[test]
fn a_broken_phone_an_opt_out_a_plain_request() {
    for (subject, text, want) in [
        ("mLegitymacja", "Zepsuty telefon", RequestKind::Damaged),
        (
            "mLegitymacja",
            "telefon nie działa, rozbity ekran",
            RequestKind::Damaged,
        ),
        ("Rezygnacja z mLegitymacji", "", RequestKind::OptOut),
        (
            "",
            "Rezygnujemy z mlegitymacji dla syna.",
            RequestKind::OptOut,
        ),
        ("UNIEWAŻNIENIE", "", RequestKind::Invalidate),
        ("uniewaznienie mlegitymacji", "", RequestKind::Invalidate),
        ("mLegitymacja", "Proszę anulować", RequestKind::Invalidate),
        (
            "mLegitymacja Jana",
            "prosze anulowac",
            RequestKind::Invalidate,
        ),
    ] {
        assert_eq!(
            kind(subject, text),
            Some((want, false)),
            "{subject:?} {text:?}"
        );
    }
}

#[test]
fn a_new_phone_asks_for_a_new_one_too() {
    assert_eq!(
        kind(
            "mLegitymacja",
            "Mamy nowy telefon, proszę o nową mLegitymację."
        ),
        Some((RequestKind::Invalidate, true))
    );
    assert_eq!(
        kind(
            "Zgubiony telefon",
            "Proszę o unieważnienie i ponowne wydanie legitymacji."
        ),
        Some((RequestKind::Lost, true))
    );
    assert_eq!(
        kind("mLegitymacja", "Telefon zepsuty, będzie nowy telefon"),
        Some((RequestKind::Damaged, true))
    );
}

#[test]
fn an_objection_and_its_withdrawal() {
    for (subject, text) in [
        (
            "Sprzeciw",
            "Wyrażam sprzeciw wobec wydania mLegitymacji synowi.",
        ),
        ("mLegitymacja", "Nie wyrażam zgody na mLegitymację."),
        ("", "nie wyrazam zgody na mlegitymacje dla corki"),
        ("SPRZECIW mLegitymacja", ""),
    ] {
        assert_eq!(
            kind(subject, text),
            Some((RequestKind::Objection, false)),
            "{subject:?} {text:?}"
        );
    }
    for (subject, text) in [
        ("WYCOFUJĘ SPRZECIW", ""),
        ("mLegitymacja", "Wycofujemy sprzeciw."),
    ] {
        assert_eq!(
            kind(subject, text),
            Some((RequestKind::WithdrawObjection, false)),
            "{subject:?} {text:?}"
        );
    }
}

#[test]
fn ordinary_mail_is_no_request() {
    for (subject, text) in [
        // A photo mail.
        (
            "Zdjęcie do mLegitymacji",
            "W załączniku zdjęcie Ani Kowalskiej.",
        ),
        (
            "legitymacja",
            "Zdjęcie zrobione nowym telefonem, mam nadzieję, że dobre.",
        ),
        // A lost phone at school, nothing about the mLegitymacja.
        (
            "Zgubiony telefon",
            "Syn zgubił telefon na WF-ie, czy ktoś znalazł?",
        ),
        // A newsletter.
        (
            "Nowy telefon w promocji!",
            "Tylko dziś: nowy telefon za 1 zł. Rezygnacja z subskrypcji: kliknij.",
        ),
        // An objection to something else.
        ("Sprzeciw", "Nie wyrażam zgody na wyjazd na wycieczkę."),
        // A phone's signature line.
        (
            "mLegitymacja",
            "Przesyłam zdjęcie.\n\nWysłane z mojego nowego telefonu",
        ),
        ("STATUS", "Co z legitymacją?"),
        ("", ""),
    ] {
        assert_eq!(kind(subject, text), None, "{subject:?} {text:?}");
    }
}

#[test]
fn a_quoted_mleg_mail_does_not_count() {
    // What the parent quotes is cut off before the classifier sees it.
    let reply =
        "Dziękuję!\n\n> Wniosek został anulowany.\n> Proszę anulować, jeśli…\n> zgubiony telefon\n";
    let own = crate::workflow::command::own_text(reply, None);
    assert_eq!(kind("Re: mLegitymacja – stan sprawy", &own), None);
}

#[test]
fn only_unieważnienie_counts_without_naming_the_mlegitymacja() {
    let bare = parent_request("Unieważnienie", "Zgubiłam telefon.").unwrap();
    assert!(!bare.named);
    let named = parent_request("mLegitymacja", "Zgubiłam telefon.").unwrap();
    assert!(named.named);
}
