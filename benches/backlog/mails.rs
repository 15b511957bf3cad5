//! The backlog: N parents, one registered child each, one phone-sized photo
//! mail each (1–3 MB, three sizes of the 354:496 shape with fine noise, so
//! they compress like photos with detail).

use crate::support::app::{SCHOOL, TestApp, pesel};
use crate::support::mime::Mail;
use crate::support::photos::phone_jpeg;
use crate::support::stack::MailStack;

pub struct Backlog {
    pub n: usize,
    /// The distinct photos; mail `i` carries `photos[i % 3]`.
    pub photos: Vec<Vec<u8>>,
}

impl Backlog {
    pub fn new(n: usize) -> Backlog {
        let photos = [(1416, 1984), (1770, 2480), (2124, 2976)]
            .into_iter()
            .enumerate()
            .map(|(k, (w, h))| phone_jpeg(w, h, 0x2468_ace1 ^ (k as u32 + 1)))
            .collect();
        Backlog { n, photos }
    }

    pub fn photo(&self, i: usize) -> &[u8] {
        &self.photos[i % self.photos.len()]
    }

    pub fn photo_bytes(&self) -> usize {
        (0..self.n).map(|i| self.photo(i).len()).sum()
    }

    pub fn parent(&self, i: usize) -> String {
        format!("rodzic{i}@example.pl")
    }

    /// The child's names: distinct last names, so each photo matches one.
    pub fn child(&self, i: usize) -> (&'static str, String) {
        let mut tail = String::new();
        let mut k = i;
        for _ in 0..3 {
            tail.push(char::from(b'a' + (k % 26) as u8));
            k /= 26;
        }
        (
            ["Anna", "Jan", "Zofia", "Piotr"][i % 4],
            format!("Nowak{tail}"),
        )
    }

    pub fn mail(&self, i: usize) -> Vec<u8> {
        let (first, last) = self.child(i);
        Mail::new(&self.parent(i), SCHOOL, "Zdjęcie do legitymacji")
            .text("Dzień dobry, w załączniku zdjęcie do mLegitymacji.\nPozdrawiam")
            .photo(&format!("{first} {last}.jpg"), self.photo(i).to_vec())
            .build()
    }

    /// The parents' mailboxes on `stack` (their replies must be delivered).
    pub fn add_parents(&self, stack: &MailStack) {
        let parents: Vec<String> = (0..self.n).map(|i| self.parent(i)).collect();
        stack.add_users(&parents);
    }

    /// Every parent's child registered in `t`'s database.
    pub fn register(&self, t: &TestApp) {
        for i in 0..self.n {
            let (first, last) = self.child(i);
            let serial = 1000 + i as u32;
            let birth_day = 1 + (i as u32 % 28);
            let month = 1 + (i as u32 / 28) % 12;
            t.register(
                first,
                &last,
                &pesel(2014, month, birth_day, serial),
                &self.parent(i),
            );
        }
    }

    /// The backlog appended to `user`'s INBOX, in order.
    pub async fn fill_inbox(&self, stack: &MailStack, user: &str) {
        for chunk in (0..self.n).collect::<Vec<_>>().chunks(50) {
            let raws: Vec<Vec<u8>> = chunk.iter().map(|i| self.mail(*i)).collect();
            stack.append_all(user, "INBOX", &raws).await;
        }
    }
}
