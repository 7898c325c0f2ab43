"""The Milvus side: connecting (milvus-lite file or server), collection names, schemas, the manifest
kept in the passages collection's properties, and the vocabulary stored as JSON chunks.

One index version is five collections, written together and never changed by a full rebuild:

    <name>_<version>            passages: id, owner article, text, tokens, compact normal form,
                                display fields, the id of the paragraph it leans on
    <name>_<version>_lexical    id, article, tokens, a sparse vector of our BM25
                                (retrieval.store.milvus.features) and the dense vector packed as
                                text: the lexical search, whose candidates come with both
    <name>_<version>_dense      id, article and the dense vector (HNSW): the dense search
    <name>_<version>_vocab      document frequencies of tokens and bigrams, as JSON chunks
    <name>_<version>_articles   one record per article file: its stat and hash (change detection),
                                passage ids in order, and what it says about names (retrieval.names)

The alias <name> points at the live passages collection: a full rebuild writes a new version and
moves the alias (Milvus' alter_alias), so a query never sees a half-written collection and a
rebuild killed before that step leaves the alias where it was. The manifest (model, dimension,
fingerprints, counts) is a property of the passages collection, so it moves with the alias.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from retrieval.errors import IndexError_

if TYPE_CHECKING:
    from pymilvus import MilvusClient

FORMAT = "newsqa-milvus-2"  # 2: article vectors in the articles collection
MANIFEST_KEY = "newsqa.manifest"
VOCAB_SUFFIX = "_vocab"
ARTICLES_SUFFIX = "_articles"
LEXICAL_SUFFIX = "_lexical"
DENSE_SUFFIX = "_dense"
# Every collection of one version, the passages collection (the alias' target) first.
SUFFIXES = ("", LEXICAL_SUFFIX, DENSE_SUFFIX, VOCAB_SUFFIX, ARTICLES_SUFFIX)
# Milvus caps VARCHAR at 65,535 bytes; vocabulary chunks are kept well under it.
MAX_VARCHAR = 65_535
VOCAB_CHUNK_BYTES = 40_000
INSERT_BATCH = 1_000
QUERY_WINDOW = 16_384  # Milvus' largest result window for one query (offset + limit)
# HNSW for the dense side: at heldout scale recall@10 against exact search was 1.000 (docs/scaling.md);
# ef is raised to at least the number of candidates asked for at query time.
HNSW_PARAMS = {"M": 16, "efConstruction": 200}


class MilvusUnavailable(IndexError_):
    """pymilvus is not installed, or the engine cannot be reached; the message says what to do."""


def pack_vector(vector) -> str:
    """A float32 vector as base64 text. Lexical candidates need their dense vectors for fusion;
    pymilvus decodes a FLOAT_VECTOR field number by number (~0.2 ms per 256-d vector, measured on
    milvus-lite: a quarter of a question's time), a string in microseconds."""
    import base64

    import numpy as np

    return base64.b64encode(np.asarray(vector, dtype="<f4").tobytes()).decode("ascii")


def unpack_vector(text: str):
    import base64

    import numpy as np

    return np.frombuffer(base64.b64decode(text), dtype="<f4").astype(np.float32)


def redact_uri(uri: str) -> str:
    """The URI without a user:password part, for messages (a token is never put in one)."""
    return re.sub(r"//[^/@]*@", "//***@", uri)


def is_server_uri(uri: str) -> bool:
    return uri.startswith(("http://", "https://", "tcp://", "grpc://", "unix:"))


def connect(uri: str, token: str | None = None) -> MilvusClient:
    """A client for a Milvus server or cluster (http(s)://host:19530) or a milvus-lite file (a path
    ending in .db, created if absent)."""
    try:
        from pymilvus import MilvusClient
    except ImportError:
        raise MilvusUnavailable("the milvus backend needs pymilvus and milvus-lite: "
                                "pip install -e '.[milvus]'") from None
    if is_server_uri(uri):
        target = uri
    else:
        path = Path(uri).expanduser()
        if path.suffix != ".db":
            raise MilvusUnavailable(f"NEWSQA_MILVUS_URI {uri!r}: a milvus-lite file must end in .db "
                                    "(or give http(s)://host:19530 for a server)")
        path.parent.mkdir(parents=True, exist_ok=True)
        target = str(path)
    try:
        return MilvusClient(uri=target, token=token or "")
    except Exception as error:  # pymilvus raises its own and grpc's errors; the message names the target
        raise MilvusUnavailable(f"cannot reach Milvus at {redact_uri(uri)}: {type(error).__name__}: "
                                f"{str(error)[:300]}") from None


def new_version() -> str:
    # Milvus names allow letters, digits and underscores; sorted by build time like local versions.
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f") + "_" + uuid.uuid4().hex[:6]


def version_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(name)}_(\d{{8}}T\d{{12}}_[0-9a-f]{{6}})({'|'.join(SUFFIXES[1:])})?$")


def live_collection(client: MilvusClient, name: str) -> str | None:
    """The passages collection the alias points at, or None when there is no index yet."""
    if name not in client.list_aliases().get("aliases", []):
        return None
    return client.describe_alias(name)["collection_name"]


def read_manifest(client: MilvusClient, collection: str) -> dict[str, Any]:
    properties = client.describe_collection(collection).get("properties") or {}
    raw = properties.get(MANIFEST_KEY)
    if raw is None:
        raise IndexError_(f"Milvus collection {collection!r} has no NewsQA manifest: rebuild the index with "
                          "`python scripts/rebuild_index.py --full`")
    return json.loads(raw)


def version_label(manifest: dict[str, Any]) -> str:
    """The version a reader serves: the full build's, plus how many incremental updates it has had
    (they change the live collections in place, so a serving process must see a new label)."""
    revision = int(manifest.get("revision", 0))
    return manifest["version"] + (f".{revision}" if revision else "")


def write_manifest(client: MilvusClient, collection: str, manifest: dict[str, Any]) -> None:
    client.alter_collection_properties(collection, properties={MANIFEST_KEY: json.dumps(manifest)})


def _create(client: MilvusClient, collection: str, schema, index_params) -> None:
    # sync=False: pymilvus' wait for the index asks for a timestamp service that milvus-lite lacks
    # (a logged traceback per index); collections are loaded, which waits for their indexes, later.
    client.create_collection(collection, schema=schema)
    client.create_index(collection, index_params, sync=False)


def _placeholder_vector(schema) -> None:
    """Milvus wants a vector field in every collection; the record collections carry a tiny one."""
    from pymilvus import DataType

    schema.add_field("unused", DataType.FLOAT_VECTOR, dim=2)


def _flat_index(client: MilvusClient):
    params = client.prepare_index_params()
    params.add_index("unused", index_type="FLAT", metric_type="L2")
    return params


def create_passages(client: MilvusClient, collection: str, dim: int) -> None:
    """The passages collection and its two search collections (`_lexical`, `_dense`).

    The search collections hold only what a search reads (the id, the owner article for deletes,
    the tokens that candidates are rescored from, the vector): milvus-lite reads every field of
    each hit (engine/collection.py, ~10 µs per field), and on a cluster the narrow rows keep the
    search nodes' memory to the index. Text and display fields are fetched for the few passages
    shown or reranked."""
    from pymilvus import DataType

    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("passage_id", DataType.VARCHAR, is_primary=True, max_length=64)
    schema.add_field("article_id", DataType.VARCHAR, max_length=512)
    schema.add_field("position", DataType.INT64)
    schema.add_field("text", DataType.VARCHAR, max_length=MAX_VARCHAR)
    schema.add_field("tokens", DataType.VARCHAR, max_length=MAX_VARCHAR)  # tab-joined
    schema.add_field("length", DataType.INT64)  # tokens, at least 1: BM25's document length
    schema.add_field("compact", DataType.VARCHAR, max_length=MAX_VARCHAR)  # what substring terms are matched in
    schema.add_field("title", DataType.VARCHAR, max_length=4096)
    schema.add_field("date", DataType.VARCHAR, max_length=32)
    schema.add_field("url", DataType.VARCHAR, max_length=4096)
    schema.add_field("previous_id", DataType.VARCHAR, max_length=64)  # "" unless it leans on the one before
    _placeholder_vector(schema)
    _create(client, collection, schema, _flat_index(client))

    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("passage_id", DataType.VARCHAR, is_primary=True, max_length=64)
    schema.add_field("article_id", DataType.VARCHAR, max_length=512)
    schema.add_field("tokens", DataType.VARCHAR, max_length=MAX_VARCHAR)
    schema.add_field("vector", DataType.VARCHAR, max_length=MAX_VARCHAR)  # the dense vector, packed (pack_vector)
    schema.add_field("lexical", DataType.SPARSE_FLOAT_VECTOR)
    params = client.prepare_index_params()
    params.add_index("lexical", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
    _create(client, collection + LEXICAL_SUFFIX, schema, params)

    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("passage_id", DataType.VARCHAR, is_primary=True, max_length=64)
    schema.add_field("article_id", DataType.VARCHAR, max_length=512)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
    params = client.prepare_index_params()
    params.add_index("dense", index_type="HNSW", metric_type="IP", params=HNSW_PARAMS)
    _create(client, collection + DENSE_SUFFIX, schema, params)


def create_vocab(client: MilvusClient, collection: str) -> None:
    from pymilvus import DataType

    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("chunk", DataType.INT64, is_primary=True)
    schema.add_field("terms", DataType.VARCHAR, max_length=MAX_VARCHAR)  # JSON {"t": {token: df}, "b": {...}}
    _placeholder_vector(schema)
    _create(client, collection, schema, _flat_index(client))


def create_articles(client: MilvusClient, collection: str) -> None:
    from pymilvus import DataType

    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("article_id", DataType.VARCHAR, is_primary=True, max_length=512)
    schema.add_field("source_path", DataType.VARCHAR, max_length=4096)
    schema.add_field("file_hash", DataType.VARCHAR, max_length=64)
    schema.add_field("size", DataType.INT64)
    schema.add_field("mtime_ns", DataType.INT64)
    schema.add_field("title", DataType.VARCHAR, max_length=4096)
    schema.add_field("date", DataType.VARCHAR, max_length=32)
    schema.add_field("url", DataType.VARCHAR, max_length=4096)
    schema.add_field("page_format", DataType.VARCHAR, max_length=64)
    schema.add_field("passages", DataType.VARCHAR, max_length=MAX_VARCHAR)  # JSON list of passage ids in order
    schema.add_field("names", DataType.VARCHAR, max_length=MAX_VARCHAR)  # JSON retrieval.names.NameEvidence
    # the article's multilingual vector, packed (pack_vector), and the key of the text it was made
    # from (retrieval.store.article_vectors); "" when built without them
    schema.add_field("article_vector", DataType.VARCHAR, max_length=8192)
    schema.add_field("article_key", DataType.VARCHAR, max_length=64)
    _placeholder_vector(schema)
    _create(client, collection, schema, _flat_index(client))


def insert_batched(client: MilvusClient, collection: str, rows: list[dict], upsert: bool = False) -> None:
    write = client.upsert if upsert else client.insert
    for start in range(0, len(rows), INSERT_BATCH):
        write(collection, rows[start:start + INSERT_BATCH])


def query_all(client: MilvusClient, collection: str, output_fields: list[str], filter: str = "",
              hex_key: str | None = None) -> list[dict]:
    """Every row (matching `filter`) with these fields.

    Milvus answers at most QUERY_WINDOW rows per query; beyond that the rows are read in slices
    by the first hex digits of `hex_key` (passage and article ids are hex digests), a prefix
    filter any Milvus serves. (pymilvus' query_iterator needs a timestamp service milvus-lite
    lacks: each use logged a server-side traceback.)"""
    total = int(client.query(collection, filter=filter, output_fields=["count(*)"])[0]["count(*)"])
    if total <= QUERY_WINDOW:
        return client.query(collection, filter=filter, output_fields=output_fields, limit=QUERY_WINDOW)
    if hex_key is None:
        raise ValueError(f"{collection}: {total} rows is more than one query returns")
    digits = 1
    while total / 16 ** digits > QUERY_WINDOW / 2:
        digits += 1
    rows: list[dict] = []
    for prefix in range(16 ** digits):
        where = f'{hex_key} like "{prefix:0{digits}x}%"' + (f" and ({filter})" if filter else "")
        rows.extend(client.query(collection, filter=where, output_fields=output_fields, limit=QUERY_WINDOW))
    return rows


def quoted_list(values: list[str]) -> str:
    """A Milvus filter literal list: ["a", "b"] with quotes and backslashes escaped."""
    return json.dumps(list(values), ensure_ascii=False)
