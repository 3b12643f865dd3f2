from connectors.tcp_gateway import Outcome, handle_safely


class Exploding:
    def handle(self, raw: bytes) -> Outcome:
        raise IndexError("index out of range")


def test_a_session_bug_dead_letters_the_frame_instead_of_dropping_the_connection():
    outcome = handle_safely(Exploding(), b"\x7e\x01\x7e")
    assert outcome.replies == [] and outcome.rows == []
    assert outcome.rejections == [
        ("internal error IndexError: index out of range", b"\x7e\x01\x7e")
    ]
