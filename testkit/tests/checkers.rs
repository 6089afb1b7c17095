//! The checkers that listings' tests share must be able to fail: each is given output
//! that is wrong in one way and must reject it.

use testkit::check_numbers_and_letters as check;

#[test]
fn the_numbers_and_letters_checker_takes_any_interleaving() {
    check("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\na\nb\nc\nd\ne\nf\ng\nh\ni\nj\n");
    check("1\na\n2\nb\n3\nc\n4\nd\n5\ne\n6\nf\n7\ng\n8\nh\n9\ni\n10\nj\n");
    check("a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n");
}

#[test]
fn the_numbers_and_letters_checker_rejects_wrong_output() {
    let in_turn = "1\na\n2\nb\n3\nc\n4\nd\n5\ne\n6\nf\n7\ng\n8\nh\n9\ni\n10\nj\n";
    let one_after_the_other = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\na\nb\nc\nd\ne\nf\ng\nh\ni\nj\n";
    for bad in [
        in_turn.replace("3\n", ""),
        in_turn.replace("a\n2\nb\n", "b\n2\na\n"),
        format!("{in_turn}done\n"),
        one_after_the_other.replace("3\n", ""),
        one_after_the_other.replace("a\nb\n", "b\na\n"),
        // a line torn by the other thread, as Python's print can do
        "1a\n2\n3\n4\n5\n6\n7\n8\n9\n10\n\nb\nc\nd\ne\nf\ng\nh\ni\nj\n".to_string(),
        format!("{one_after_the_other}done\n"),
    ] {
        assert!(
            std::panic::catch_unwind(|| check(&bad)).is_err(),
            "accepted:\n{bad}"
        );
    }
}
