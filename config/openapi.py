"""The OpenAPI 3.1 description of the JSON API, served at /api/openapi.json.

Written as Python so the enumerations come from the code they describe (tasks,
vote choices, export formats) instead of being copied. `tests/test_openapi_schema.py`
checks that every `api/` route is described here and that every path described
here resolves; `tests/security/test_api_fuzz.py` checks real responses against it.
"""

from __future__ import annotations

from typing import Any

from arena.models import Family, ParticipantStatus, Task, Winner
from leaderboard.exports import CONTENT_TYPES, FORMATS
from leaderboard.rating import WINNERS

JSON = "application/json"
HTML = "text/html"
Schema = dict[str, Any]


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def obj(properties: dict[str, Schema], *, required: list[str] | None = None, extra: bool = True) -> Schema:
    """An object; `required` defaults to every property listed."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": extra,
    }


def json_response(description: str, schema: Schema) -> Schema:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def refusal(description: str) -> Schema:
    return json_response(description, ref("Error"))


def html_response(description: str) -> Schema:
    return {"description": description, "content": {HTML: {"schema": {"type": "string"}}}}


def scope_parameters() -> list[Schema]:
    return [
        {
            "name": "task",
            "in": "query",
            "description": "Empty for all tasks. Any other value is a 404.",
            "schema": {"type": "string", "enum": ["", *Task.values]},
        },
        {
            "name": "family",
            "in": "query",
            "description": "Empty for all families, else a family of categories; ignored with a category. "
            "Any other value is a 404.",
            "schema": {"type": "string", "enum": ["", *Family.values]},
        },
        {
            "name": "category",
            "in": "query",
            "description": "Empty for all categories, else a prompt category: an unknown one, or one with fewer "
            "votes than LEADERBOARD_CATEGORY_MIN_VOTES, is an empty board; one with a NUL character a 404.",
            "schema": {"type": "string"},
        },
    ]


# -- components ---------------------------------------------------------------------------------


def error_schema() -> Schema:
    return obj({"error": {"type": "string", "description": "A sentence to show the annotator."}})


def battle_schema() -> Schema:
    side = obj(
        {
            "glb": {"type": "string", "description": "The side's GLB: /arena/b/<battle>/<a|b>.glb"},
            "views": {"type": "array", "items": {"type": "string"}, "description": "Clay renders, PNG."},
            "triangles": nullable({"type": "integer"}),
        }
    )
    prompt = obj(
        {
            "task": {"type": "string", "enum": Task.values},
            "text": {"type": "string"},
            "category": {"type": "string"},
            "image": nullable({"type": "string", "description": "The reference image's URL (image-to-3d)."}),
        }
    )
    return obj(
        {
            "token": {"type": "string", "description": "Signed; valid for this session only, for an hour."},
            "prompt": prompt,
            "a": side,
            "b": side,
            "votes_today": {"type": "integer", "minimum": 0},
        }
    )


def vote_request_schema() -> Schema:
    return obj(
        {
            "token": {"type": "string", "description": "The token of the battle being voted on."},
            "winner": {"type": "string", "enum": Winner.values},
            "interacted_a": {"type": "boolean", "description": "Whether the annotator moved viewer A."},
            "interacted_b": {"type": "boolean"},
        },
        required=["token", "winner"],
    )


def reveal_schema() -> Schema:
    side = obj({"name": {"type": "string"}, "url": {"type": "string", "description": "The asset's page."}})
    return obj(
        {
            "reveal": obj({"a": side, "b": side}),
            "counted": {"type": "boolean", "description": "False when the vote is kept but not rated."},
            "note": {"type": "string", "description": "Why a vote is not counted; empty when it is."},
            "votes_today": {"type": "integer", "minimum": 0},
            "duplicate": {"type": "boolean", "description": "A retry of the vote already taken, counted once."},
        },
        required=["reveal", "counted", "note", "votes_today"],
    )


def study_vote_request_schema() -> Schema:
    """A study's vote: `winner` for a study that asks its single question, `answers` for one with criteria."""
    answers = {
        "type": "object",
        "description": "With criteria: exactly one answer per criterion key (docs/studies.md#criteria). A missing or "
        "unknown key, or an answer not in the enumeration, is a 400 naming it; nothing is stored then.",
        "additionalProperties": {"type": "string", "enum": Winner.values},
    }
    schema = vote_request_schema()
    schema["properties"] = schema["properties"] | {
        "winner": {**schema["properties"]["winner"], "description": "Without criteria only."},
        "answers": answers,
    }
    schema["required"] = ["token"]
    return schema


def study_board_schema() -> Schema:
    """A study's board for one criterion (docs/studies.md#the-study-board)."""
    matrix = {"type": "array", "items": {"type": "array", "items": nullable({"type": "number"})}}
    criterion = obj({"key": {"type": "string"}, "label": {"type": "string"}, "help": {"type": "string"}})
    return obj(
        {
            "study": {"type": "string", "description": "The study's slug."},
            "title": {"type": "string"},
            "criterion": {"type": "string", "description": "The criterion's key; empty for a single-question study."},
            "criterion_label": {"type": "string"},
            "criteria": {"type": "array", "items": criterion, "maxItems": 4},
            "public": {"type": "boolean", "description": "Whether the study publishes its board (else staff only)."},
            "counted_votes": {"type": "integer", "minimum": 0, "description": "The study's counted votes now."},
            "updating": {
                "type": "boolean",
                "description": "The stored board lags the counted votes: a refit is scheduled in the background.",
            },
            "min_votes": {"type": "integer", "description": "Below this many battles a model is provisional."},
            "board": nullable({"type": "string", "description": "The stored board's id; null before the first."}),
            "created_at": {"type": "string", "format": "date-time"},
            "n_votes": {"type": "integer", "minimum": 0, "description": "The votes the stored board was fitted on."},
            "votes_hash": {"type": "string", "description": "SHA-256 over the exact vote set."},
            "options": {"type": "object", "description": "bootstrap, seed, anchor, alpha, exclusions, mle_exists."},
            "rows": {"type": "array", "items": ref("BoardRow")},
            "models": {"type": "array", "items": {"type": "string"}, "description": "The order of the matrices."},
            "win_matrix": matrix,
            "count_matrix": matrix,
        },
        required=["study", "criterion", "criteria", "public", "counted_votes", "updating", "board", "n_votes", "rows"],
    )


def study_reveal_schema() -> Schema:
    schema = reveal_schema()
    schema["properties"] = schema["properties"] | {
        "reveal": nullable(schema["properties"]["reveal"]),
        "study": ref("StudyProgress"),
    }
    schema["required"] = [*schema["required"], "study"]
    return schema


def board_row_schema() -> Schema:
    count = {"type": "integer", "minimum": 0}
    number = {"type": "number"}
    return obj(
        {
            "model": {"type": "string"},
            "rating": number,
            "ci_low": nullable(number),
            "ci_high": nullable(number),
            "rank": {"type": "integer", "minimum": 1},
            "battles": count,
            "wins": count,
            "ties": count,
            "bothbad": count,
            "losses": count,
            "win_rate": number,
            "elo_online": nullable(number),
            "executability": nullable(number),
            "provisional": {"type": "boolean"},
        },
        required=["model", "rating", "ci_low", "ci_high", "rank", "battles", "wins", "ties", "losses"],
    )


def board_schema() -> Schema:
    matrix = {"type": "array", "items": {"type": "array", "items": nullable({"type": "number"})}}
    return obj(
        {
            "snapshot": nullable({"type": "string", "description": "Null when the board has no votes yet."}),
            "created_at": {"type": "string", "format": "date-time"},
            "task": {"type": "string"},
            "family": {"type": "string", "description": "Empty for all families (and on a category's board)."},
            "category": {"type": "string"},
            "n_votes": {"type": "integer", "minimum": 0},
            "votes_hash": {"type": "string", "description": "SHA-256 over the exact vote set."},
            "min_votes": {"type": "integer", "description": "Below this many battles a model is provisional."},
            "options": {"type": "object", "description": "bootstrap, seed, anchor, alpha, exclusions, mle_exists."},
            "rows": {"type": "array", "items": ref("BoardRow")},
            "models": {"type": "array", "items": {"type": "string"}, "description": "The order of the matrices."},
            "win_matrix": matrix,
            "count_matrix": matrix,
        },
        # A board without a snapshot has only these keys.
        required=["snapshot", "task", "category", "n_votes", "min_votes", "rows"],
    )


def history_schema() -> Schema:
    point = obj(
        {
            "snapshot": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
            "n_votes": {"type": "integer", "minimum": 0},
            "ratings": {"type": "object", "additionalProperties": {"type": "number"}},
        }
    )
    return obj(
        {
            "task": {"type": "string"},
            "family": {"type": "string"},
            "category": {"type": "string"},
            "history": {"type": "array", "items": point},
        }
    )


def judges_schema() -> Schema:
    """A board's judges section: metrics and imported judges held to the human votes (docs/correlation.md#judges)."""
    number = nullable({"type": "number"})
    estimate = obj({"value": number, "low": number, "high": number}, extra=True)
    pairs = nullable(obj({"value": number, "n_pairs": {"type": "integer"}}, extra=True))
    agreement = obj({"accuracy": estimate, "kappa": estimate, "n": {"type": "integer"}}, extra=True)
    rating = obj({"rating": {"type": "number"}, "ci_low": number, "ci_high": number}, extra=True)
    entry = obj(
        {
            "name": {"type": "string"},
            "label": {"type": "string"},
            "source": {"type": "string", "enum": ["metric", "judge"]},
            "kind": {"type": "string"},
            "n_verdicts": {"type": "integer"},
            "board": nullable({"type": "array", "items": obj({"model": {"type": "string"}}, extra=True)}),
            "separability": pairs,
            "agreement_with_confidence": pairs,
            "pair_brier": pairs,
            "agreement": nullable(agreement),
            "probability_brier": nullable(estimate),
            "swap": nullable(obj({"n": {"type": "integer"}, "consistent": estimate, "flipped": estimate})),
        }
    )
    boards = obj(
        {
            "judges": {"type": "array", "items": {"type": "string"}},
            "rows": {
                "type": "array",
                "items": obj(
                    {
                        "model": {"type": "string"},
                        "human": nullable(rating),
                        "judges": {"type": "array", "items": nullable(rating)},
                    }
                ),
            },
        }
    )
    return obj(
        {
            "human": obj({"separability": pairs, "ceiling": agreement}),
            "entries": {"type": "array", "items": entry, "description": "Best first (docs/correlation.md#judges)."},
            "boards": boards,
        }
    )


def correlation_schema() -> Schema:
    learned = obj(
        {
            "weights_dir_set": {"type": "boolean"},
            "configured": {"type": "array", "items": {"type": "string"}},
            "missing": {"type": "array", "items": {"type": "string"}},
            "backends": {"type": "object", "additionalProperties": {"type": "string"}, "description": "name: label"},
        }
    )
    report = obj(
        {
            "report": {"type": "string"},
            "generated_at": {"type": "string", "format": "date-time"},
            "scopes": {
                "type": "array",
                "items": {
                    **obj(
                        {
                            "task": {"type": "string"},
                            "category": {"type": "string"},
                            "judges": nullable(judges_schema()),
                        }  # fmt: skip
                    ),
                    "description": "One per board: docs/correlation.md.",
                },
            },
        },
        required=["scopes"],
    )
    return obj(
        {
            "status": {"type": "string", "enum": ["ready", "computing", "empty"]},
            "updating": {"type": "boolean"},
            "report": nullable(report),
            "learned": nullable(learned),
        }
    )


def variant_setting_schema() -> Schema:
    count = {"type": "integer", "minimum": 0}
    number = nullable({"type": "number"})
    return obj(
        {
            "setting": {"type": "string", "description": "The run folder."},
            "model": {"type": "string"},
            "label": {"type": "string", "description": "Readable summary: image-to-3D · 4 views · thinking medium."},
            "values": {"type": "object", "description": "Every setting the run states (Setting.values)."},
            "rating": number,
            "ci_low": number,
            "ci_high": number,
            "battles": count,
            "wins": count,
            "ties": count,
            "bothbad": count,
            "losses": count,
            "win_rate": number,
            "part": {"type": "integer", "minimum": 0, "description": "Settings of different parts share no opponent."},
            "provisional": {"type": "boolean", "description": "Fewer battles than min_votes."},
        }
    )


def variant_board_schema() -> Schema:
    number = nullable({"type": "number"})
    cell = nullable(
        obj(
            {
                "p": number,
                "low": number,
                "high": number,
                "battles": {"type": "integer", "minimum": 0, "description": "Observed battles between the two."},
                "observed": number,
            }
        )
    )
    versus = obj(
        {
            "opponent": {"type": "string"},
            "battles": {"type": "array", "items": {"type": "integer", "minimum": 0}},
            "win_rate": {"type": "array", "items": number},
        }
    )
    effect = obj({"base": {"type": "string"}, "to": {"type": "string"}, "difference": number, "low": number,
                  "high": number, "models": {"type": "array", "items": {"type": "string"}}})  # fmt: skip
    group = obj(
        {
            "model": {"type": "string"},
            "settings": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
            "ratings": {"type": "object", "additionalProperties": number},
        }
    )
    dimension = obj(
        {
            "dimension": {"type": "string", "enum": ["views", "thinking", "prompt_type", "multi_turn"]},
            "label": {"type": "string"},
            "values": {"type": "array", "items": {"type": "string"}},
            "groups": {"type": "array", "items": group},
            "effects": {"type": "array", "items": effect},
        }
    )
    strings = {"type": "array", "items": {"type": "string"}}
    return obj(
        {
            "task": {"type": "string", "enum": Task.values},
            "task_label": {"type": "string"},
            "snapshot": nullable({"type": "string", "description": "The task board's snapshot that holds this one."}),
            "created_at": nullable({"type": "string", "format": "date-time"}),
            "votes_hash": nullable({"type": "string"}),
            "task_votes": {"type": "integer", "minimum": 0, "description": "Counted votes of the task's board."},
            "n_votes": {"type": "integer", "minimum": 0, "description": "Of those, votes between two settings."},
            "bootstrap": nullable({"type": "integer"}),
            "mle_exists": {"type": "boolean"},
            "parts": {"type": "integer", "minimum": 0},
            "settings": {"type": "array", "items": ref("VariantSetting")},
            "dimensions": {"type": "array", "items": dimension},
            "matrix_settings": {**strings, "description": "With a model: its settings, the order of the matrix."},
            "win_matrix": {"type": "array", "items": {"type": "array", "items": cell}},
            "versus": {"type": "array", "items": versus},
        },
        required=["task", "snapshot", "n_votes", "settings", "dimensions"],
    )


def variants_schema() -> Schema:
    return obj(
        {
            "model": {"type": "string", "description": "Empty for every model."},
            "min_votes": {"type": "integer", "description": "Below this many battles a setting is provisional."},
            "boards": {"type": "array", "items": ref("VariantBoard")},
        }
    )


# -- operations ---------------------------------------------------------------------------------

CSRF_HOW = "Get both from any page (GET /arena/ sets the csrftoken cookie) and send the cookie's value as the header."


def csrf_refusal() -> Schema:
    return html_response("Django's CSRF page: no CSRF cookie, or no header matching it.")


def post_operation(operation_id: str, summary: str, body: Schema, responses: dict[str, Schema]) -> Schema:
    return {
        "post": {
            "operationId": operation_id,
            "summary": summary,
            "security": [{"csrfCookie": [], "csrfHeader": []}],
            "requestBody": body,
            "responses": responses,
        }
    }


def get_operation(
    operation_id: str, summary: str, ok: Schema, *, parameters: list[Schema] | None = None, not_found: str = ""
) -> Schema:
    operation: Schema = {"operationId": operation_id, "summary": summary, "responses": {"200": ok}}
    if parameters:
        operation["parameters"] = parameters
    if not_found:
        operation["responses"]["404"] = html_response(not_found)
    return {"get": operation}


def path_parameter(name: str, schema: Schema) -> Schema:
    return {"name": name, "in": "path", "required": True, "schema": schema}


def battle_operation() -> Schema:
    operation = post_operation(
        "battleCreate",
        "Serve the session's annotator a new anonymous pair",
        {"required": False, "content": {JSON: {"schema": {"type": "object"}}}},
        {
            "200": json_response("A new battle.", ref("Battle")),
            "403": csrf_refusal(),
            "429": refusal("Too many pairs requested in the last hour (by this annotator or network)."),
            "503": refusal("No pair is ready: assets are still rendering, or this annotator has seen them all."),
        },
    )
    operation["post"]["description"] = "The body is ignored. The files are addressed by battle and side, not asset."
    return operation


def vote_operation() -> Schema:
    forbidden = refusal("The battle was served to another session; or (an HTML page) the CSRF check failed.")
    forbidden["content"].update(csrf_refusal()["content"])
    return post_operation(
        "voteRecord",
        "Record the one vote a battle takes, and reveal the two names",
        {"required": True, "content": {JSON: {"schema": ref("VoteRequest")}}},
        {
            "200": json_response("The vote, with the names revealed.", ref("Reveal")),
            "400": refusal("Not a JSON object, an unknown choice, or a forged token."),
            "403": forbidden,
            "404": refusal("The battle no longer exists."),
            "409": refusal("This battle has already been voted on."),
            "410": refusal("The token has expired: ask for a new pair."),
            "429": refusal("The hourly vote limit (per annotator or network)."),
        },
    )


def study_progress_schema() -> Schema:
    return obj(
        {
            "done": {"type": "integer", "minimum": 0, "description": "Pairs answered in time."},
            "quota": {"type": "integer", "minimum": 1},
            "status": {"type": "string", "enum": ParticipantStatus.values},
            "code": {"type": "string", "description": "The completion or screen-out code once finished, else empty."},
            "next": {"type": "string", "description": "Where to send the participant once finished, else empty."},
        }
    )


def study_operations() -> dict[str, Schema]:
    """A study's pair and vote: the arena's, for the session's participant, with their progress."""
    slug = path_parameter("slug", {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"})
    refused = refusal(
        "No consent yet, the study link not opened in this session, the participant finished, the study not open, "
        "or (vote) a pair of another study or of the public arena; or (an HTML page) the CSRF check failed."
    )
    refused["content"].update(csrf_refusal()["content"])
    # No such study: JSON; an address that is no slug at all: Django's 404 page.
    missing = refusal("No such study or (vote) battle (JSON), or an address with no slug in it (an HTML page).")
    missing["content"].update(html_response("")["content"])
    battle = battle_operation()["post"] | {"operationId": "studyBattleCreate", "parameters": [slug]}
    battle["summary"] = "Serve the study's participant a pair of its prompts and models (gold pairs first while gated)"
    battle["responses"] = battle["responses"] | {
        "200": json_response("A new battle, and the participant's progress.", ref("StudyBattle")),
        "403": refused,
        "404": missing,
        "503": refusal("No pair of the study is left for this participant, or its gate's gold pairs are missing."),
    }
    vote = vote_operation()["post"] | {"operationId": "studyVoteRecord", "parameters": [slug]}
    vote["summary"] = "Record a participant's vote; at the quota or a failed gate, the code and where to go"
    vote["requestBody"] = {"required": True, "content": {JSON: {"schema": ref("StudyVoteRequest")}}}
    vote["responses"] = vote["responses"] | {
        "400": refusal(
            "Not a JSON object, a forged token, or answers that do not fit the study: an unknown choice, `winner` "
            "to a study with criteria or `answers` to one without, a missing or unknown criterion, a bad answer."
        ),
        "409": refusal("This battle has already been voted on (with other answers)."),
        "200": json_response("The vote (names only if the study reveals them) and the progress.", ref("StudyReveal")),
        "403": refused,
        "404": missing,
    }
    board = get_operation(
        "studyBoard",
        "A study's board for one criterion: ratings from the study's counted votes only (staff only unless public)",
        json_response("The latest stored board, and whether a refit is under way.", ref("StudyBoard")),
        parameters=[
            slug,
            {
                "name": "criterion",
                "in": "query",
                "description": "A criterion's key; by default the study's first (empty for a single-question study).",
                "schema": {"type": "string"},
            },
        ],
    )
    board_missing = refusal(
        "No such study, or a criterion the study does not ask (named in the error); or an address with no slug "
        "in it (an HTML page)."
    )
    board_missing["content"].update(html_response("")["content"])
    board["get"]["responses"] |= {
        "403": refusal("The study's board is not public and the request is not from staff."),
        "404": board_missing,
    }
    return {
        "/study/{slug}/api/battles/": {"post": battle},
        "/study/{slug}/api/vote/": {"post": vote},
        "/study/{slug}/api/board/": board,
    }


def board_operations() -> dict[str, Schema]:
    unknown = "Unknown task or family, or a category with a NUL character."
    return {
        "/leaderboard/api/board/": get_operation(
            "boardLatest",
            "The latest snapshot of one board",
            json_response("A board.", ref("Board")),
            parameters=scope_parameters(),
            not_found=unknown,
        ),
        "/leaderboard/api/history/": get_operation(
            "boardHistory",
            "Ratings over time, oldest first, up to 200 snapshots",
            json_response("The history.", ref("History")),
            parameters=scope_parameters(),
            not_found=unknown,
        ),
        "/leaderboard/api/snapshots/{public_id}/": get_operation(
            "snapshotRead",
            "One stored snapshot, so a cited version stays readable",
            json_response("A board.", ref("Board")),
            parameters=[path_parameter("public_id", {"type": "string"})],
            not_found="No such snapshot.",
        ),
    }


def variant_operations() -> dict[str, Schema]:
    parameters = [
        {
            "name": "task",
            "in": "query",
            "description": "Empty for both tasks (two boards: their settings never meet). Any other value is a 404.",
            "schema": {"type": "string"},
        },
        {
            "name": "model",
            "in": "query",
            "description": "Empty for every model's settings; a model's name adds its win matrix and opponents. "
            "A name no model has is a 404.",
            "schema": {"type": "string"},
        },
    ]
    operation = get_operation(
        "variantBoards",
        "Variant boards: the settings of each model rated as players, per task",
        json_response("The variant boards.", ref("Variants")),
        parameters=parameters,
    )
    operation["get"]["responses"]["404"] = refusal("An unknown task or model, named in the error.")
    return {"/leaderboard/api/variants/": operation}


def export_battle_schema() -> Schema:
    text = {"type": "string"}
    features = {
        "type": "object",
        "description": "The side's complexity features (triangles, objects, parts, fill, code_chars), for "
        "`python -m leaderboard.rating --control`; parts and fill are null for an asset rendered before "
        "they were measured; in CSV, columns such as features_a.triangles.",
        "additionalProperties": {"type": ["number", "null"]},
    }
    return obj(
        {
            "model_a": text,
            "model_b": text,
            "winner": {"type": "string", "enum": list(WINNERS)},
            "judge": {"type": "string", "description": "A salted hash of the annotator."},
            "anony": {"type": "boolean"},
            "tstamp": {"type": "number", "description": "Unix time of the vote."},
            "prompt": {"type": "string", "description": "The prompt's slug."},
            "task": text,
            "category": text,
            "flagged": {"type": "boolean"},
            "sampler": text,
            "seconds_to_vote": {"type": "number"},
            "features_a": features,
            "features_b": features,
        }
    )


def export_operation() -> Schema:
    # fastchat is one JSON list; jsonl has one battle object a line; csv has them as rows.
    content: dict[str, Schema] = {CONTENT_TYPES[fmt]: {} for fmt in FORMATS}
    content[CONTENT_TYPES["fastchat"]] = {"schema": {"type": "array", "items": ref("ExportBattle")}}
    flagged = {"type": "string", "description": "1 or true: flagged votes too."}
    return get_operation(
        "battlesExport",
        "The counted votes as battles, a download (fastchat: the chat arena's clean-battle list)",
        {"description": "The export, streamed.", "content": content},
        parameters=[
            {
                "name": "format",
                "in": "query",
                "schema": {"type": "string", "enum": list(FORMATS), "default": "fastchat"},
            },
            *scope_parameters(),
            {"name": "include_flagged", "in": "query", "schema": flagged},
        ],
        not_found="Unknown format, task or family, or a category with a NUL character.",
    )


def agreement_schema() -> Schema:
    """arena.agreement.Agreement as a dict: every figure with its count, estimate and 95% interval (null if none)."""
    number = nullable({"type": "number"})
    count = {"type": "integer", "minimum": 0}
    shares = obj({"k": count, "n": count, "estimate": number, "low": number, "high": number, "pvalue": number})
    figures = {
        "kappa": obj({"items": count, "observed": number, "expected": number, "estimate": number, "low": number,
                      "high": number}),
        "alpha": obj({"units": count, "values": count, "annotators": count, "estimate": number, "low": number,
                      "high": number}),
        "repeat": shares,
        "position": shares,
        "ties": shares,
        "both_bad": shares,
        "seconds": obj({"n": count, "median": number, "q1": number, "q3": number}),
    }  # fmt: skip
    schema = obj(
        {"study": nullable({"type": "string"}), "criterion": nullable({"type": "string"}), "votes": count,
         "annotators": count, "items": count, **figures}
    )  # fmt: skip
    schema["description"] = (
        "Inter-annotator agreement, repeat consistency, position bias, tie and both-bad rates and time per vote "
        "(docs/studies.md, Methods). Intervals: Wilson for shares, a percentile bootstrap over items for kappa and "
        "alpha; `position.pvalue`: the exact binomial test against 0.5. `criterion`: the study's criterion whose "
        "answers the figures are computed on (null for a single question)."
    )
    return schema


def agreement_operations() -> dict[str, Schema]:
    """Staff only: anyone else is redirected to the admin's login page."""
    login = {"description": "Not signed in as staff: a redirect to the admin's login page."}
    public = get_operation(
        "arenaAgreement",
        "The agreement panel of the votes cast outside every study (staff; cached five minutes)",
        json_response("The figures; `study` is null.", ref("Agreement")),
    )
    public["get"]["responses"]["302"] = login
    study = get_operation(
        "studyAgreement",
        "A study's agreement panel (staff)",
        json_response("The figures of the study's votes, on one criterion's answers.", ref("Agreement")),
        parameters=[
            path_parameter("slug", {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"}),
            {"name": "criterion", "in": "query", "required": False, "schema": {"type": "string"},
             "description": "A criterion's key (a study with criteria; default: its first, the vote's own answer)."},
        ],
    )  # fmt: skip
    missing = refusal("No such study or criterion (JSON), or an address with no slug in it (an HTML page).")
    missing["content"].update(html_response("")["content"])
    study["get"]["responses"] |= {"302": login, "404": missing}
    dashboard = get_operation(
        "studyDashboard",
        "A study's dashboard figures (staff; the live dashboard fetches them when its socket says they changed)",
        json_response("The figures.", ref("StudyDashboard")),
        parameters=[path_parameter("slug", {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"})],
    )
    dashboard["get"]["responses"] |= {"302": login, "404": missing}
    return {"/arena/api/agreement/": public, "/study/{slug}/api/agreement/": study,
            "/study/{slug}/api/dashboard/": dashboard}  # fmt: skip


def study_dashboard_schema() -> Schema:
    """arena.study_selectors.dashboard_payload: a study's counts, time per vote and votes per prompt and pair."""
    count = {"type": "integer", "minimum": 0}
    counts = {key: count for key in ("started", "consented", "completed", "screened_out", "votes", "gold", "repeats",
                                     "flagged")}  # fmt: skip
    answers = obj({"a": count, "b": count, "tie": count, "both_bad": count})
    flagged_row = obj({"participant": {"type": "string"}, "status": {"type": "string"}, "reason": {"type": "string"},
                       "votes": count})  # fmt: skip
    schema = obj(
        {
            "study": {"type": "string"},
            **counts,
            "median_seconds": nullable({"type": "number"}),
            "per_prompt": {"type": "array", "items": obj({"prompt": {"type": "string"}, "votes": count})},
            "per_pair": {"type": "array", "items": obj({"pair": {"type": "string"}, "votes": count})},
            "criteria": {"type": "array", "items": obj({"key": {"type": "string"}, "answers": answers})},
            "flagged_participants": obj({"count": count, "rows": {"type": "array", "items": flagged_row}}),
        }
    )
    schema["description"] = (
        "Participants by status (`started` counts every participant), votes (`flagged`: flagged votes other than "
        "gold and repeat pairs), the median time per vote, votes per prompt and per model pair (gold pairs left "
        "out), each criterion's answers, and the flagged participants (the first 50 rows)."
    )
    return schema


def correlation_report_operation() -> Schema:
    operation = get_operation(
        "correlationReport",
        "The stored correlation report (asking for it schedules one when missing)",
        json_response("The report and its status.", ref("Correlation")),
        parameters=[
            {
                "name": "study",
                "in": "query",
                "required": False,
                "schema": {"type": "string"},
                "description": "A study's board instead (public boards, or staff): its stored metric table.",
            },
            {
                "name": "criterion",
                "in": "query",
                "required": False,
                "schema": {"type": "string"},
                "description": "With `study`: that criterion's board (default: the study's first).",
            },
        ],  # fmt: skip
    )
    operation["get"]["responses"]["404"] = refusal("An unknown study (or one whose board is not shown), or criterion.")
    return operation


def correlation_operations() -> dict[str, Schema]:
    download = {"description": "The report.", "content": {JSON: {"schema": {"type": "object"}}, "text/csv": {}}}
    return {
        "/leaderboard/api/correlation/": correlation_report_operation(),
        "/leaderboard/correlation/download.{fmt}": get_operation(
            "correlationDownload",
            "The stored report as a download",
            download,
            parameters=[path_parameter("fmt", {"type": "string", "enum": ["json", "csv"]})],
            not_found="No report yet, or an unknown format.",
        ),
    }


def paths() -> dict[str, Schema]:
    votes_today = obj({"votes_today": {"type": "integer", "minimum": 0}})
    return {
        "/api/openapi.json": get_operation(
            "openapiSchema", "This description", json_response("OpenAPI 3.1.", {"type": "object"})
        ),
        "/arena/api/battles/": battle_operation(),
        "/arena/api/vote/": vote_operation(),
        "/arena/api/stats/": get_operation("arenaStats", "Votes cast today", json_response("The count.", votes_today)),
        **study_operations(),
        **agreement_operations(),
        **board_operations(),
        **variant_operations(),
        "/leaderboard/export/": export_operation(),
        **correlation_operations(),
    }


def security_schemes() -> dict[str, Schema]:
    return {
        "csrfCookie": {"type": "apiKey", "in": "cookie", "name": "csrftoken", "description": CSRF_HOW},
        "csrfHeader": {"type": "apiKey", "in": "header", "name": "X-CSRFToken", "description": CSRF_HOW},
    }


def openapi_schema() -> Schema:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "3D Code Arena",
            "version": "1",
            "description": (
                "The arena's JSON API (docs/api.md). No login: the annotator is the session (the sessionid "
                "cookie), so a battle's token is only good with the session it was served to. POSTs need "
                "Django's CSRF cookie and header."
            ),
        },
        "servers": [{"url": "/"}],
        "paths": paths(),
        "components": {
            "schemas": {
                "Error": error_schema(),
                "Battle": battle_schema(),
                "VoteRequest": vote_request_schema(),
                "Reveal": reveal_schema(),
                "StudyProgress": study_progress_schema(),
                "StudyBattle": {"allOf": [ref("Battle"), obj({"study": ref("StudyProgress")})]},
                "StudyReveal": study_reveal_schema(),
                "Agreement": agreement_schema(),
                "StudyDashboard": study_dashboard_schema(),
                "StudyVoteRequest": study_vote_request_schema(),
                "StudyBoard": study_board_schema(),
                "BoardRow": board_row_schema(),
                "Board": board_schema(),
                "History": history_schema(),
                "VariantSetting": variant_setting_schema(),
                "VariantBoard": variant_board_schema(),
                "Variants": variants_schema(),
                "Correlation": correlation_schema(),
                "ExportBattle": export_battle_schema(),
            },
            "securitySchemes": security_schemes(),
        },
    }
