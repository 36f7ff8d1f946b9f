"""The one throttle in front of every password sign-in: staffLogin, operatorLogin
and the login page of both Django admin sites (heat_platform/admin.py).

Three limits, all counters of the shared cache (heat_platform.kernel.throttle),
so they hold across processes:

* per (account, client IP): failures from one client on one account;
* per client IP: failures on any account from one client;
* per account, from anywhere: after `ACCOUNT_FREE_FAILURES` failures on an
  account, clients that have not signed in to it successfully lately must take
  turns: one attempt, then a pause that doubles with every further failure (up
  to `MAX_DELAY_SECONDS`), shared by all of them, so many IPs guessing one
  password get no more tries than one. Refused attempts wait for their turn
  (TOO_MANY_ATTEMPTS with retry-after); nothing sleeps on the server.

There is no hard lock: a client that signed in to the account lately is exempt
from the per-account slowdown, so an attacker's failures elsewhere never keep
the right password out of it. An admin unlock (`login_throttle_clear`) starts
the account's counters afresh.

Every attempt is counted before the password is checked (increment first, then
compare), so concurrent attempts see each other; an attempt that turns out
refused or successful is taken back."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from heat_platform.kernel import throttle as kt


def _conf() -> dict:
    return settings.LOGIN_THROTTLE


def _pair() -> kt.Limit:
    c = _conf()
    return kt.Limit("login.account_ip", c["MAX_PER_ACCOUNT_IP"], c["WINDOW_SECONDS"])


def _ip() -> kt.Limit:
    c = _conf()
    return kt.Limit("login.ip", c["MAX_PER_IP"], c["WINDOW_SECONDS"])


def _account() -> kt.Limit:
    c = _conf()
    return kt.Limit("login.account", c["ACCOUNT_FREE_FAILURES"], c["ACCOUNT_WINDOW_SECONDS"])


def _turn() -> kt.Limit:
    """The account's single turn for clients under the slowdown (held for the current delay)."""
    return kt.Limit("login.account_turn", 1, _conf()["MAX_DELAY_SECONDS"])


def _trusted() -> kt.Limit:
    """(account, IP) pairs that signed in successfully lately."""
    return kt.Limit("login.trusted", 1, _conf()["TRUSTED_CLIENT_SECONDS"])


def _epoch() -> kt.Limit:
    """Bumped by an admin unlock: every per-account key includes it, so an unlock
    clears the account's counters for every client IP at once. Lives longer than
    any counter it names, so falling back to 0 when it expires revives nothing."""
    c = _conf()
    return kt.Limit("login.epoch", 1, 2 * max(c["ACCOUNT_WINDOW_SECONDS"], c["WINDOW_SECONDS"]))


def _norm(username: str) -> str:
    return (username or "").strip().lower()


def delay_for(excess: int) -> int:
    """The pause after the last free failure (excess 1) and each one after it: DELAY, 2×, 4×, … up to
    the maximum."""
    c = _conf()
    return min(c["DELAY_SECONDS"] * 2 ** min(max(excess - 1, 0), 30), c["MAX_DELAY_SECONDS"])


class LoginThrottledError(Exception):
    def __init__(self, retry_after: int):
        super().__init__(f"too many sign-in attempts; retry after {retry_after} s")
        self.retry_after = max(1, int(retry_after))


@dataclass(frozen=True)
class Attempt:
    """One admitted attempt: what it counted, so its outcome can settle the counts."""

    account: str  # "<epoch>\n<username>"
    pair: str  # "<epoch>\n<username>\n<ip>"
    ip: str
    trusted_key: str
    trusted: bool  # a client that signed in to this account lately: exempt from the slowdown


def attempt_begin(*, username: str, ip: str) -> Attempt:
    """Admit one sign-in attempt or raise LoginThrottledError. Call before checking the password."""
    user = _norm(username)
    ip = ip or "unknown"
    trusted_key = f"{user}\n{ip}"
    epoch, trusted = kt.counts([(_epoch(), user), (_trusted(), trusted_key)])
    attempt = Attempt(account=f"{epoch}\n{user}", pair=f"{epoch}\n{user}\n{ip}", ip=ip,
                      trusted_key=trusted_key, trusted=trusted > 0)
    over = kt.admit([(_pair(), attempt.pair), (_ip(), ip)])
    if over is not None:
        raise LoginThrottledError(kt.retry_after(*over))
    if not attempt.trusted:
        n = kt.hit(_account(), attempt.account)  # counted now, as if it fails; taken back on success
        # Past the free failures, the account's turn must be free; taking it holds it through this
        # attempt and, should it fail, for the pause that follows the n-th failure.
        if n > _conf()["ACCOUNT_FREE_FAILURES"] and not kt.hold(_turn(), attempt.account, _pause_after(n)):
            for limit, value in ((_account(), attempt.account), (_pair(), attempt.pair), (_ip(), ip)):
                kt.refund(limit, value)
            raise LoginThrottledError(kt.retry_after(_turn(), attempt.account))
    return attempt


def _pause_after(failures: int) -> int:
    return delay_for(failures - _conf()["ACCOUNT_FREE_FAILURES"] + 1)


def attempt_failed(attempt: Attempt) -> None:
    if attempt.trusted:  # untrusted attempts were counted on admission
        failures = kt.hit(_account(), attempt.account)
    else:
        failures = kt.count(_account(), attempt.account)
    if failures >= _conf()["ACCOUNT_FREE_FAILURES"]:  # the slowdown starts (or goes on): hold the turn
        kt.hold(_turn(), attempt.account, _pause_after(failures))


def attempt_succeeded(attempt: Attempt) -> None:
    """The pair starts afresh and this attempt stops counting against the IP; the
    account's failures from elsewhere stay (a success does not buy an attacker
    new free guesses), but this client is exempt from the slowdown from now on."""
    kt.reset(_pair(), attempt.pair)
    kt.refund(_ip(), attempt.ip)
    if not attempt.trusted:
        kt.refund(_account(), attempt.account)
    kt.hit(_trusted(), attempt.trusted_key)


def login_throttle_clear(*, username: str, ip: str | None = None) -> None:
    """Admin unlock: the account's per-account and per-(account, IP) counters and
    its slowdown start afresh, for every client (and `ip`'s own limit, if given)."""
    kt.hit(_epoch(), _norm(username))
    if ip:
        kt.reset(_ip(), ip)

