//! The terminal speaks the school's language: status names, history entries
//! and refusals in words, while `--json` keeps the stable identifiers.

use std::process::Output;

use crate::support::app::{TestApp, mleg};

fn stdout(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn set_language(t: &TestApp, lang: &str) {
    let text = std::fs::read_to_string(&t.config_path).unwrap();
    let changed = text.replace("language = \"pl\"", &format!("language = \"{lang}\""));
    assert_ne!(text, changed, "the test config names its language");
    std::fs::write(&t.config_path, changed).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apps_show_and_list_speak_the_schools_language_and_json_keeps_identifiers() {
    let t = TestApp::spawn();
    let (id, _, _) = t.photo_with_secretary("Zofia", "Językowa", 61).await;
    let id_s = id.to_string();
    // A code on a photo under review approves it on the way.
    let done = stdout(&mleg(&t, &["apps", "code", &id_s, "PQ12RS34"]));
    assert!(
        done.contains("zdjęcie do sprawdzenia → kod gotowy"),
        "{done}"
    );

    let text = stdout(&mleg(&t, &["apps", "show", &id_s]));
    assert!(text.contains("Status: kod gotowy"), "{text}");
    assert!(text.contains("Historia:"), "{text}");
    assert!(
        text.contains("zatwierdzony — przy wpisaniu kodu, bez osobnego TAK"),
        "{text}"
    );
    assert!(text.contains("otrzymano poprawne zdjęcie"), "{text}");
    assert!(text.contains("KOD → wykonano"), "{text}");
    for english in [
        "code_ready",
        "awaiting_review",
        "implicitly",
        "implicit_approval",
    ] {
        assert!(!text.contains(english), "{english} in: {text}");
    }
    let listed = stdout(&mleg(&t, &["apps", "list"]));
    assert!(
        listed.contains("kod gotowy") && listed.contains("Razem: 1"),
        "{listed}"
    );

    let shown: serde_json::Value =
        serde_json::from_slice(&stdout(&mleg(&t, &["apps", "show", &id_s, "--json"])).into_bytes())
            .unwrap();
    assert_eq!(shown["status"], "code_ready");
    let approved = shown["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "approved")
        .expect("the implicit approval is in the history");
    assert_eq!(approved["detail"], "implicit_approval");
    assert_eq!(shown["audit"][0]["command"], "code");

    set_language(&t, "en");
    let text = stdout(&mleg(&t, &["apps", "show", &id_s]));
    assert!(text.contains("Status: code ready"), "{text}");
    assert!(text.contains("History:"), "{text}");
    assert!(
        text.contains("approved — implicitly, by the code"),
        "{text}"
    );
    assert!(
        !text.contains("code_ready") && !text.contains("Historia"),
        "{text}"
    );
    let listed = stdout(&mleg(&t, &["apps", "list"]));
    assert!(
        listed.contains("code ready") && listed.contains("Total: 1"),
        "{listed}"
    );
    let shown: serde_json::Value =
        serde_json::from_slice(&stdout(&mleg(&t, &["apps", "show", &id_s, "--json"])).into_bytes())
            .unwrap();
    assert_eq!(shown["status"], "code_ready");

    // A refusal names the status in words too.
    let refused = mleg(&t, &["apps", "entered", &id_s]);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("\"portal\" process"), "{err}");
    let again = stdout(&mleg(&t, &["apps", "approve", &id_s]));
    assert!(
        again.contains("No change: this was already done (status: code ready)"),
        "{again}"
    );
    let refused = mleg(&t, &["apps", "photo-reject", &id_s, "--reason", "x"]);
    let err = String::from_utf8_lossy(&refused.stderr);
    let not_now = format!("Not now: application #{id} is \"code ready\"");
    assert!(err.contains(&not_now), "{err}");
}
