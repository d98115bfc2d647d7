#!/usr/bin/env python3
"""Reads Parley's topics from the start, as a data team's consumer would, and validates every value
against the JSON Schema its `ce_dataschema` header names (libs/contracts/schemas/*.json).

    python consume.py --brokers 127.0.0.1:9092 --topics parley.matrix.rooms.v1,parley.matrix.events.v1

Room records (parley.matrix.rooms.v1, a compacted topic) are read as a table: the last value per key
wins, and a null value (a tombstone) deletes the key. Prints one JSON summary line; exits 1 if any value is invalid.
"""
import argparse
import json
import pathlib
import sys
import time
import uuid

from confluent_kafka import Consumer, KafkaError
from jsonschema import Draft202012Validator, FormatChecker

ROOM_STATE = "urn:parley:schema:room-state:v1"
SCHEMAS = pathlib.Path(__file__).resolve().parents[3] / "libs" / "contracts" / "schemas"


def load_validators(folder: pathlib.Path) -> dict:
    """One validator per published schema, by its $id (what ce_dataschema carries)."""
    validators = {}
    for path in sorted(folder.glob("*.json")):
        schema = json.loads(path.read_text())
        validators[schema["$id"]] = Draft202012Validator(schema, format_checker=FormatChecker())
    return validators


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--brokers", required=True)
    parser.add_argument("--topics", required=True, help="comma-separated topic names")
    parser.add_argument("--schemas", default=str(SCHEMAS), help="folder of the published JSON Schemas")
    parser.add_argument("--idle-seconds", type=float, default=5.0, help="stop after this long without a record")
    args = parser.parse_args()

    validators = load_validators(pathlib.Path(args.schemas))
    topics = [t for t in args.topics.split(",") if t]
    consumer = Consumer(
        {
            "bootstrap.servers": args.brokers,
            "group.id": f"parley-example-{uuid.uuid4().hex[:8]}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe(topics)
    summary = {t: {"records": 0, "valid": 0, "invalid": 0, "tombstones": 0} for t in topics}
    tables = {}  # topic -> {room id: latest room record}
    problems = []
    last = time.monotonic()
    try:
        while time.monotonic() - last < args.idle_seconds:
            message = consumer.poll(0.5)
            if message is None:
                continue
            if message.error():
                if message.error().code() == KafkaError._PARTITION_EOF:
                    continue
                raise RuntimeError(message.error())
            last = time.monotonic()
            topic = message.topic()
            key = message.key().decode() if message.key() else None
            stats = summary[topic]
            stats["records"] += 1
            if message.value() is None:
                stats["tombstones"] += 1
                tables.get(topic, {}).pop(key, None)
                continue
            headers = {k: v.decode() for k, v in (message.headers() or [])}
            validator = validators.get(headers.get("ce_dataschema", ""))
            value = json.loads(message.value())
            errors = [] if validator is None else list(validator.iter_errors(value))
            if validator is None or errors:
                stats["invalid"] += 1
                reason = "no ce_dataschema header naming a published schema" if validator is None else errors[0].message
                problems.append({"topic": topic, "offset": message.offset(), "error": reason})
                continue
            stats["valid"] += 1
            if headers.get("ce_dataschema") == ROOM_STATE:
                tables.setdefault(topic, {})[key] = value
    finally:
        consumer.close()
    for topic, table in tables.items():
        summary[topic]["keys"] = len(table)
        summary[topic]["names"] = sorted(v.get("name", "") for v in table.values() if v.get("name"))
    print(json.dumps({"topics": summary, "problems": problems[:20]}, ensure_ascii=False))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
