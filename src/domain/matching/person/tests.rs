use super::*;

fn file(text: &str) -> Option<Vec<String>> {
    person_named(text, Source::FileName, None)
}

fn subject(text: &str) -> Option<Vec<String>> {
    person_named(text, Source::Subject, None)
}

fn body(text: &str, own: Option<&str>) -> Option<Vec<String>> {
    person_named(text, Source::Body, own)
}

fn tokens(list: &[&str]) -> Option<Vec<String>> {
    Some(list.iter().map(|t| t.to_string()).collect())
}

#[test]
fn a_file_name_with_a_first_and_last_name_names_a_person_in_any_case() {
    assert_eq!(file("Kamil Ślimak"), tokens(&["kamil", "slimak"]));
    assert_eq!(file("kamil_slimak_3a"), tokens(&["kamil", "slimak"]));
    assert_eq!(file("ŚLIMAK KAMIL"), tokens(&["slimak", "kamil"]));
    assert_eq!(
        file("zdjecie-Anna-Maria-Nowak"),
        tokens(&["anna", "maria", "nowak"])
    );
    assert_eq!(
        file("Zdjęcie do legitymacji Kamil Ślimak kl 3b"),
        tokens(&["kamil", "slimak"])
    );
}

#[test]
fn camera_app_and_school_words_are_no_name() {
    for stem in [
        "IMG_2034",
        "Zdjęcie legitymacja",
        "WhatsApp Image 2026-11-20 at 10.33.12",
        "PXL_20261120_103312345.PORTRAIT",
        "zdjecie do legitymacji",
        "photo of my son",
        "legitymacja szkolna",
        "Kamil",
        "DSC0001 (1)",
        "image0",
        "legitka zaneta",
        "zaneta_mleg_crop",
        "zdjecie na bialym tle",
    ] {
        assert_eq!(file(stem), None, "{stem:?}");
    }
}

#[test]
fn a_subject_needs_capitalised_words_and_skips_greetings() {
    assert_eq!(
        subject("Zdjęcie Kamil Ślimak 3b"),
        tokens(&["kamil", "slimak"])
    );
    assert_eq!(
        subject("Re: Fwd: legitymacja KAMIL ŚLIMAK"),
        tokens(&["kamil", "slimak"])
    );
    for s in [
        "Zdjęcie legitymacja",
        "Dzień dobry",
        "zdjęcie do legitymacji kamila",
        "Legitymacja Szkolna",
        "Nowe zdjęcie",
        "mLegitymacja - zdjęcie syna",
        "Re: [mLegitymacja #12] Zdjęcie",
    ] {
        assert_eq!(subject(s), None, "{s:?}");
    }
}

#[test]
fn words_split_by_punctuation_are_not_one_name() {
    assert_eq!(subject("Zdjęcie. Kamil, Ślimak"), None);
    assert_eq!(body("Dzień dobry. Przesyłam zdjęcie.", None), None);
}

#[test]
fn a_body_names_a_declined_person_but_not_its_greeting_or_signature() {
    let text =
        "Dzień dobry,\nprzesyłam zdjęcie Kamila Ślimaka do legitymacji.\nPozdrawiam\nAnna Świątek";
    assert_eq!(body(text, None), tokens(&["kamila", "slimaka"]));
    let signed = "Dzień dobry,\nw załączniku zdjęcie do legitymacji.\n\nPozdrawiam\nAnna Świątek";
    assert_eq!(body(signed, None), None);
    let bare = "W załączniku zdjęcie syna.\nAnna Świątek";
    assert_eq!(
        body(bare, None),
        None,
        "a last line holding a name signs off"
    );
    let dashes = "Zdjęcie w załączniku.\n-- \nAnna Świątek\nul. Długa 5";
    assert_eq!(body(dashes, None), None);
    assert_eq!(body("Kamil Ślimak", None), tokens(&["kamil", "slimak"]));
}

#[test]
fn the_senders_own_name_quotes_and_a_patron_do_not_count() {
    let text = "Przesyłam zdjęcie, Anna Świątek jestem mamą.\nSzanowna Pani Dyrektor";
    assert_eq!(body(text, Some("Anna Świątek")), None);
    assert_eq!(
        body("Zdjęcie Kamil Świątek", Some("Anna Świątek")),
        tokens(&["kamil", "swiatek"]),
        "a sibling shares only the surname"
    );
    assert_eq!(body("> Kamil Ślimak\nW załączniku.", None), None);
    assert_eq!(
        body(
            "Uczeń Szkoły Podstawowej nr 5 im. Jana Pawła II w Krakowie",
            None
        ),
        None
    );
}

#[test]
fn header_lines_of_a_forwarded_mail_are_not_students() {
    let text = "---------- Forwarded message ---------\nFrom: Anna Nowak <anna@example.pl>\n\
                Date: Mon, 23 Nov 2026\nSubject: Zdjęcie\nTo: Babcia Zosia <b@example.pl>\n\n\
                W załączniku zdjęcie.";
    assert_eq!(body(text, None), None);
    assert_eq!(body("Wysłane z iPhone'a\nKamil Ślimak", None), None);
}

#[test]
fn a_quote_without_marks_is_not_read() {
    let outlook = "Zdjęcie drugiego dziecka.\n\n-----Original Message-----\n\
                   Przyjęliśmy zdjęcie dla: Żaneta Świątek (klasa 3A).";
    assert_eq!(body(outlook, None), None);
    let gmail = "Zdjęcie.\n\nW dniu 23.11.2026 o 10:00 Sekretariat napisał(a):\nŻaneta Świątek";
    assert_eq!(body(gmail, None), None);
    let wrapped = "Zdjęcie.\n\nW dniu 23.11.2026 o 10:00 Sekretariat <s@szkola.pl>\nnapisał(a):\n\
                   Żaneta Świątek";
    assert_eq!(body(wrapped, None), None);
}
