use super::mask_addresses;

#[test]
fn a_parents_address_in_an_smtp_error_is_masked_for_the_log() {
    assert_eq!(
        mask_addresses("550 5.1.1 <rodzic@example.pl>: Recipient address rejected"),
        "550 5.1.1 <…@example.pl>: Recipient address rejected"
    );
    assert_eq!(mask_addresses("421 try again later"), "421 try again later");
}
