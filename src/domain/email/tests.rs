use super::*;

#[test]
fn accepts_and_normalises() {
    let e = EmailAddress::parse("  Rodzic.Kowalski@Example.PL ").unwrap();
    assert_eq!(e.as_str(), "rodzic.kowalski@example.pl");
    assert_eq!(e.to_string(), "rodzic.kowalski@example.pl");
    assert_eq!(e.domain(), "example.pl");
    assert_eq!(
        EmailAddress::parse("<a+b@szkola.test>").unwrap().as_str(),
        "a+b@szkola.test"
    );
    assert_eq!(
        EmailAddress::parse(" < x@sub.example.com.pl > ")
            .unwrap()
            .as_str(),
        "x@sub.example.com.pl"
    );
}

#[test]
fn equality_ignores_case() {
    let a = EmailAddress::parse("Anna@Example.pl").unwrap();
    let b: EmailAddress = "anna@example.PL".parse().unwrap();
    assert_eq!(a, b);
    let set: std::collections::HashSet<_> = [a, b].into_iter().collect();
    assert_eq!(set.len(), 1);
}

#[test]
fn rejects_common_mistakes() {
    use EmailError::*;
    let cases = [
        ("", Empty),
        ("  ", Empty),
        ("<>", Empty),
        ("rodzic.example.pl", MissingAt),
        ("a@b@example.pl", MultipleAt),
        ("@example.pl", EmptyLocalPart),
        ("rodzic@", EmptyDomain),
        ("rodzic@gmail", InvalidDomain("gmail".into())),
        ("rodzic@gmail.", InvalidDomain("gmail.".into())),
        ("rodzic@.pl", InvalidDomain(".pl".into())),
        ("rodzic@wp..pl", InvalidDomain("wp..pl".into())),
        ("jan kowalski@wp.pl", ContainsWhitespace),
        ("Jan Kowalski <jan@wp.pl>", ContainsWhitespace),
        ("a@wp.pl;b@wp.pl", InvalidCharacter(';')),
        ("a@wp.pl,b@wp.pl", InvalidCharacter(',')),
        ("mailto:a@wp.pl", InvalidCharacter(':')),
    ];
    for (input, expected) in cases {
        assert_eq!(EmailAddress::parse(input), Err(expected), "{input:?}");
    }
}

#[test]
fn rejects_overlong() {
    let long = format!("{}@example.pl", "a".repeat(250));
    assert_eq!(EmailAddress::parse(&long), Err(EmailError::TooLong(261)));
}

#[test]
fn orders_and_converts() {
    let a = EmailAddress::parse("a@x.pl").unwrap();
    let b = EmailAddress::parse("b@x.pl").unwrap();
    assert!(a < b);
    assert_eq!(String::from(a.clone()), "a@x.pl");
    assert_eq!(EmailAddress::try_from("A@X.PL".to_owned()).unwrap(), a);
}
