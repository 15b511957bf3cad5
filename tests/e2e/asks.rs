//! A parent asks "STATUS": one answer with each of that parent's children,
//! where it stands and the dates, never a PESEL. A stranger asking the same
//! gets the neutral answer that says nothing about any child.

use crate::support::app::{SCHOOL, TestApp, pesel};
use crate::support::mime::Mail;
use crate::support::photos;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_of_two_asks_status_and_a_stranger_learns_nothing() {
    let t = TestApp::spawn();
    let mama = t.parent("dwoje");
    let ania = pesel(2014, 4, 4, 71);
    let olek = pesel(2016, 6, 6, 72);
    t.register("Ania", "Pytalska", &ania, &mama);
    t.register("Olek", "Pytalski", &olek, &mama);
    t.send(
        &Mail::new(&mama, SCHOOL, "legitymacja").photo("Ania Pytalska.jpg", photos::good_jpeg()),
    )
    .await;
    t.once().await;
    t.exactly(&mama, 1).await;

    t.send(&Mail::new(&mama, SCHOOL, "STATUS").text("Dzień dobry, co z legitymacjami?"))
        .await;
    t.once().await;
    let got = t.exactly(&mama, 2).await;
    let answer = got
        .iter()
        .find(|m| m.text.contains("oto stan mLegitymacji"))
        .expect("the status answer");
    for words in [
        "Ania Pytalska, klasa 3A: zdjęcie do sprawdzenia",
        "przygotuje mLegitymację do",
        "Olek Pytalski, klasa 3A: oczekuje na zdjęcie",
    ] {
        assert!(answer.text.contains(words), "{words}: {}", answer.text);
    }
    assert!(!answer.text.contains(&ania) && !answer.text.contains(&olek));

    let stranger = t.parent("ciekawski");
    t.send(
        &Mail::new(&stranger, SCHOOL, "STATUS")
            .text("Jaki jest status legitymacji Ani Pytalskiej?"),
    )
    .await;
    t.once().await;
    let neutral = &t.exactly(&stranger, 1).await[0];
    assert!(
        neutral.text.contains("sekretariat ją sprawdzi"),
        "{}",
        neutral.text
    );
    assert!(!neutral.text.contains("3A") && !neutral.text.contains("oczekuje"));
}
