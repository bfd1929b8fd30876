"""The hash chain and the Merkle checkpoint as pure functions: property tests.

Any single change anywhere in a chain (an edit of any field, a removal, a swap, an
insertion, a cut-off tail) is detected; the Merkle root is RFC 6962's.
"""

import hashlib
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from casework.history import chain

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def build(actions: list[str], case_id: int = 7) -> list[chain.Event]:
    events, prev = [], chain.GENESIS
    for seq, action in enumerate(actions, start=1):
        fields = dict(case_id=case_id, seq=seq, at=T0 + timedelta(minutes=seq), actor_id=seq % 3
                      or None, action=action, from_status="a", to_status="b",
                      detail={"n": seq, "text": "村审核通过"}, prev_hash=prev)
        digest = chain.event_hash(**fields)
        events.append(chain.Event(**fields, hash=digest))
        prev = digest
    return events


def test_an_intact_chain_verifies_and_counts_its_events():
    events = build(["submitted", "enter_village_review", "approved"])
    assert chain.verify_chain(events, head=(3, events[-1].hash)) == (3, None)


def test_the_hash_covers_canonical_json_of_every_field():
    a = build(["x"])[0]
    assert chain.canonical(case_id=7, seq=1, at=a.at, actor_id=1, action="x", from_status="a",
                           to_status="b", detail={"text": "村审核通过", "n": 1},
                           prev_hash="").startswith(b'{"action":"x","actor":1,"at":')
    assert a.hash == hashlib.sha256(chain.canonical(
        case_id=7, seq=1, at=a.at, actor_id=1, action="x", from_status="a", to_status="b",
        detail={"n": 1, "text": "村审核通过"}, prev_hash="")).hexdigest()


FIELDS = ["case_id", "seq", "at", "actor_id", "action", "from_status", "to_status", "detail",
          "prev_hash", "hash"]


def mutated(value):
    if isinstance(value, datetime):
        return value + timedelta(microseconds=1)
    if isinstance(value, dict):
        return {**value, "n": -1}
    if isinstance(value, int) and not isinstance(value, bool):
        return value + 1
    if value is None:
        return 99
    return value + "x" if value else "0" * 64


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 12), data=st.data())
def test_any_single_change_anywhere_is_detected(n, data):
    events = build([f"a{i}" for i in range(n)])
    head = (n, events[-1].hash)
    kind = data.draw(st.sampled_from(["edit", "delete", "swap", "insert", "truncate"]))
    i = data.draw(st.integers(0, n - 1))
    tampered = list(events)
    if kind == "edit":
        field = data.draw(st.sampled_from(FIELDS))
        tampered[i] = tampered[i]._replace(**{field: mutated(getattr(tampered[i], field))})
    elif kind == "delete":
        del tampered[i]
    elif kind == "swap":
        if n < 2:
            return
        j = data.draw(st.integers(0, n - 1).filter(lambda j: j != i))
        tampered[i], tampered[j] = tampered[j], tampered[i]
    elif kind == "insert":
        # a forged event with a correct hash over its own content, linked to its predecessor
        prev = tampered[i - 1].hash if i else chain.GENESIS
        fields = dict(case_id=7, seq=i + 1, at=T0, actor_id=None, action="forged",
                      from_status="a", to_status="b", detail={}, prev_hash=prev)
        tampered.insert(i, chain.Event(**fields, hash=chain.event_hash(**fields)))
    else:
        tampered = tampered[:i]
    _, broken = chain.verify_chain(tampered, head=head)
    assert broken is not None, (kind, i)


def test_a_consistently_rehashed_rewrite_is_caught_by_the_signed_checkpoint():
    events = build(["submitted", "approved", "granted"])
    sealed = {3: events[-1].hash}
    forged = build(["submitted", "rejected", "granted"])  # every hash recomputed
    assert chain.verify_chain(forged)[1] is None  # on its own it looks whole
    _, broken = chain.verify_chain(forged, sealed=sealed)
    assert broken == chain.Break(3, "differs from the signed checkpoint")


def reference_mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 section 2.1, written as the RFC states it (recursive split)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + reference_mth(leaves[:k]) + reference_mth(leaves[k:])
                          ).digest()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(max_size=40), max_size=40))
def test_the_merkle_root_is_rfc_6962s(leaves):
    assert chain.merkle_root(leaves) == reference_mth(leaves).hex()


def test_a_checkpoint_signature_verifies_only_for_its_own_root():
    import base64

    key = chain.load_private_key(base64.b64encode(b"k" * 32).decode())
    public = chain.public_key_b64(key)
    message = chain.checkpoint_message("ab" * 32, 10, T0)
    signature = chain.sign(key, message)
    assert chain.signature_valid(public, message, signature)
    assert not chain.signature_valid(public, chain.checkpoint_message("cd" * 32, 10, T0),
                                     signature)
    assert not chain.signature_valid(public, message, base64.b64encode(b"x" * 64).decode())


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53 - 1), 2**53 - 1)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                 max_size=4),
    max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(case_id=st.none() | st.integers(1, 2**40), seq=st.integers(0, 10**6),
       actor_id=st.none() | st.integers(1, 2**31), action=st.text(max_size=20),
       from_status=st.text(max_size=12), to_status=st.text(max_size=12),
       detail=st.dictionaries(st.text(max_size=8), json_values, max_size=5),
       prev_hash=st.text(alphabet="0123456789abcdef", max_size=64),
       at=st.datetimes(timezones=st.just(UTC)))
def test_the_fast_canonical_form_is_exactly_rfc_8785(case_id, seq, actor_id, action,
                                                     from_status, to_status, detail,
                                                     prev_hash, at):
    import rfc8785

    fields = dict(case_id=case_id, seq=seq, at=at, actor_id=actor_id, action=action,
                  from_status=from_status, to_status=to_status, detail=detail,
                  prev_hash=prev_hash)
    assert chain.canonical(**fields) == rfc8785.dumps({
        "case": case_id, "seq": seq, "at": chain.timestamp(at), "actor": actor_id,
        "action": action, "from": from_status, "to": to_status, "detail": detail,
        "prev": prev_hash})


# --- sealed heads ------------------------------------------------------------------------
def _key():
    import base64

    return chain.load_private_key(base64.b64encode(b"s" * 32).decode())


def sealed(events: list[chain.Event], at: set[int]) -> list[chain.Event]:
    """``events`` with the ones at sequence numbers ``at`` sealed (transaction heads)."""
    key = _key()
    return [e._replace(seal=chain.seal(key, e.case_id, e.seq, e.hash)) if e.seq in at else e
            for e in events]


PUBLIC = chain.public_key_b64(_key())


def test_a_sealed_head_vouches_for_the_chain():
    events = sealed(build(["a", "b", "c", "d", "e"]), {2, 5})
    found = chain.verify_sealed_chain(events, head=(5, events[-1].hash), public_key=PUBLIC)
    assert (found.events, found.broken, found.head_sealed_by) == (5, None, "signature")


@settings(max_examples=100, deadline=None)
@given(n=st.integers(1, 10), data=st.data())
def test_any_rewrite_rehashed_without_the_key_is_caught_by_the_seals(n, data):
    """The probe in miniature: rewrite from event ``i`` on, recompute every hash and the
    head, keep (or drop) the seals: the newest seal no longer verifies, and the break is
    the first event after the last seal that still does."""
    heads = {n} | set(data.draw(st.lists(st.integers(1, n), max_size=n)))
    original = sealed(build([f"a{k}" for k in range(n)]), heads)
    i = data.draw(st.integers(1, n))
    forged = build([f"a{k}" if k + 1 < i else f"forged{k}" for k in range(n)])
    drop = data.draw(st.booleans())
    forged = [f._replace(seal="" if drop else o.seal) for f, o in zip(forged, original,
                                                                      strict=True)]
    found = chain.verify_sealed_chain(forged, head=(n, forged[-1].hash), public_key=PUBLIC)
    assert found.broken is not None
    if not drop:
        assert found.broken.seq == max([h for h in heads if h < i], default=0) + 1


def test_a_head_without_a_seal_needs_the_checkpoint():
    events = build(["a", "b", "c"])
    found = chain.verify_sealed_chain(events, public_key=PUBLIC)
    assert found.broken == chain.Break(3, "the newest event is neither sealed nor covered by "
                                          "a signed checkpoint")
    covered = chain.verify_sealed_chain(events, sealed={3: events[-1].hash},
                                        public_key=PUBLIC)
    assert (covered.broken, covered.head_sealed_by) == (None, "checkpoint")


def test_a_tail_cut_back_to_a_sealed_head_needs_the_rows():
    """Cut back to an earlier transaction's head, the chain verifies on its own: this is
    what ``casework.history.reconciliation`` and the checkpoints are for."""
    events = sealed(build(["a", "b", "c", "d"]), {2, 4})
    assert chain.verify_sealed_chain(events[:2], public_key=PUBLIC).broken is None
    assert chain.verify_sealed_chain(events[:3], public_key=PUBLIC).broken is not None
    assert chain.verify_sealed_chain(events[:2], public_key=PUBLIC,
                                     sealed={4: events[-1].hash}).broken is not None


def test_a_seal_is_not_a_checkpoint_signature():
    """The two messages the key signs never coincide: a seal signs a JSON array, a
    checkpoint a JSON object."""
    assert chain.seal_message(7, 3, "ab" * 32).startswith(b"[")
    assert chain.checkpoint_message("ab" * 32, 3, T0).startswith(b"{")
