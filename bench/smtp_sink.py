"""A local SMTP server for the benchmarks: accepts every message and logs its arrival, one line each.

    .venv/bin/python bench/smtp_sink.py --port 2525 --log /tmp/arrivals.tsv

Each line is `<CLOCK_MONOTONIC seconds>\t<Message-ID>\t<recipients>`, flushed as the message is
accepted, so another process on this machine can time arrivals on the same clock and count
Message-IDs seen twice. It runs in its own process, so its work does not share a GIL with the
benchmark that reads the log. Stops on SIGTERM or SIGINT.
"""

import argparse
import signal
import threading
import time
from email.parser import BytesHeaderParser
from typing import Any

from aiosmtpd.controller import Controller


class ArrivalLog:
    def __init__(self, path: str) -> None:
        self.handle = open(path, "a", buffering=1)  # noqa: SIM115 (open for the server's lifetime)
        self.headers = BytesHeaderParser()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message_id = self.headers.parsebytes(envelope.content).get("Message-ID", "")
        arrived = time.monotonic()
        self.handle.write(f"{arrived:.6f}\t{message_id.strip()}\t{','.join(envelope.rcpt_tos)}\n")
        return "250 OK"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", required=True, help="file the arrivals are appended to")
    args = parser.parse_args()

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    controller = Controller(ArrivalLog(args.log), hostname="127.0.0.1", port=args.port)
    controller.start()
    try:
        stop.wait()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
