"""Build a bilingual (Chinese + English) static embedding model from the offline English teacher.

The teacher (all-MiniLM-L6-v2) reads English only. Its space is made bilingual by placing words:

* an English word gets the teacher's own embedding of that word;
* a Chinese word (a CC-CEDICT headword, Simplified and Traditional) gets the teacher's embedding of
  its English gloss: for the commonest words the gloss sentence itself is embedded, for the rest
  the mean of its gloss words' vectors (cheap, and close for short glosses);
* every CJK character is in the vocabulary (unknown ones with a zero vector), so one rare character
  never turns a whole run of Chinese into [UNK].

As in model2vec's distillation, vectors are centred and reduced by PCA, and frequent words are
weighted down (SIF weights from jieba's word frequencies), since a static model's sentence vector
is the mean of its token vectors. The result is a plain sentence-transformers folder
(StaticEmbedding + a `tokenizers` WordPiece tokenizer whose greedy longest match segments Chinese
with the dictionary's words; weights in safetensors), loadable with SentenceTransformer(path).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from retrieval.crosslingual.cedict import cedict_head, parse_cedict_line
from retrieval.models.registry import (
    BUILD_INFO_FILE,
    DEFAULT_MODEL_NAME,
    MODEL_FAMILY,
    MODEL_VERSION,
    built_model_path,
    files_sha1,
    model_cache_dir,
    resolve_model_path,
)
from retrieval.text import STOPWORDS_EN, STOPWORDS_ZH

_ENGLISH_WORD = re.compile(r"[a-z][a-z'-]*[a-z]|[a-z]")
_JUNK_SENSE = re.compile(r"^(?:cl:|variant of|old variant|see |abbr\.|used in|erhua variant|japanese variant)")
_PARENTHESES = re.compile(r"\([^)]*\)|\[[^\]]*\]|\|\S+")
_CJK_BASIC = range(0x4E00, 0xA000)


@dataclass(frozen=True)
class BuildOptions:
    dim: int = 256  # after PCA; the teacher has 384
    max_chinese_words: int = 40000  # multi-character headwords, the most frequent by jieba's counts
    gloss_sentences: int = 6000  # how many of the commonest words get their whole gloss embedded
    max_senses: int = 3
    sif_a: float = 1e-4  # SIF weight a / (a + p(word))
    stopword_weight: float = 0.1
    batch_size: int = 256


@dataclass(frozen=True)
class DictionaryWord:
    simplified: str
    traditional: str
    gloss: str  # the first senses, cleaned, joined by "; "


@dataclass(frozen=True)
class BuildReport:
    name: str
    seconds: float
    vocabulary: int
    english_words: int
    chinese_words: int
    dim: int
    bytes: int


def read_dictionary(lines: Iterable[str], max_senses: int = 3) -> list[DictionaryWord]:
    """CC-CEDICT lines → headwords with a cleaned English gloss (first entry wins per headword)."""
    words: dict[str, DictionaryWord] = {}
    for line in lines:
        parsed = parse_cedict_line(line)
        if parsed is None:
            continue
        simplified, senses = parsed
        traditional = cedict_head(line)[0]
        cleaned = []
        for sense in senses:
            sense = sense.strip()
            if not sense or _JUNK_SENSE.match(sense.lower()) or sense.lower().startswith("surname "):
                continue
            sense = _PARENTHESES.sub(" ", sense).strip(" ,;")
            if sense:
                cleaned.append(" ".join(sense.split()))
        if cleaned and simplified not in words and all("\u3400" <= ch <= "\u9fff" for ch in simplified):
            words[simplified] = DictionaryWord(simplified, traditional, "; ".join(cleaned[:max_senses]))
    return list(words.values())


def english_vocabulary(teacher_vocab: Iterable[str], glosses: Iterable[str], min_gloss_count: int = 2) -> list[str]:
    """Whole English words: the teacher tokenizer's own, and words the glosses use repeatedly."""
    words = {w for w in teacher_vocab if w.isascii() and w.isalpha() and w.islower() and len(w) > 1}
    counts: dict[str, int] = {}
    for gloss in glosses:
        for word in _ENGLISH_WORD.findall(gloss.lower()):
            counts[word] = counts.get(word, 0) + 1
    words |= {w for w, n in counts.items() if n >= min_gloss_count and len(w) > 1}
    return sorted(words)


def _unit(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


def compose_gloss_vectors(glosses: list[str], english_index: dict[str, int], english_vectors: np.ndarray) -> np.ndarray:
    """Each gloss → the mean of its content words' vectors (zero when it has none the vocabulary knows)."""
    out = np.zeros((len(glosses), english_vectors.shape[1]), dtype=np.float32)
    for i, gloss in enumerate(glosses):
        rows = [english_index[w] for w in _ENGLISH_WORD.findall(gloss.lower())
                if w in english_index and w not in STOPWORDS_EN]
        if rows:
            out[i] = english_vectors[rows].mean(axis=0)
    return _unit(out)


def sif_weights(words: list[str], frequency: dict[str, int], total: int, a: float) -> np.ndarray:
    """a / (a + p(word)): frequent words count less in a sentence's mean (unknown frequency → 1)."""
    p = np.asarray([frequency.get(w, 0) / total if total else 0.0 for w in words], dtype=np.float64)
    return (a / (a + p)).astype(np.float32)


def pca_reduce(matrix: np.ndarray, dim: int) -> np.ndarray:
    """Centre and project on the top `dim` principal axes (fitted on the non-zero rows)."""
    fitted = matrix[np.linalg.norm(matrix, axis=1) > 0]
    if dim >= matrix.shape[1] or len(fitted) <= dim:
        return matrix.astype(np.float32)
    mean = fitted.mean(axis=0)
    _, _, components = np.linalg.svd(fitted - mean, full_matrices=False)
    reduced = (matrix - mean) @ components[:dim].T
    reduced[np.linalg.norm(matrix, axis=1) == 0] = 0  # unknown stays unknown
    return reduced.astype(np.float32)


def make_tokenizer(vocabulary: list[str]):
    """WordPiece over the given vocabulary without a continuation prefix: greedy longest match, which
    segments Chinese runs into the dictionary's words; Han runs are split from Latin and digits."""
    from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers

    vocab = {token: i for i, token in enumerate(vocabulary)}
    tokenizer = Tokenizer(models.WordPiece(vocab=vocab, unk_token="[UNK]", continuing_subword_prefix="",
                                           max_input_chars_per_word=10000))
    tokenizer.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.BertPreTokenizer(),
        pre_tokenizers.Split(Regex(r"[\u3400-\u9fff]+"), behavior="isolated"),
        pre_tokenizers.Digits(individual_digits=False),
    ])
    return tokenizer


def build_static_model(teacher, dictionary: list[DictionaryWord], output_dir: Path, *, name: str,
                       word_frequency: dict[str, int] | None = None, options: BuildOptions | None = None,
                       teacher_vocab: Iterable[str] | None = None,
                       log=lambda message: None) -> BuildReport:
    """Distil `teacher` (a loaded SentenceTransformer) into a bilingual static model in `output_dir`."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding

    started = time.perf_counter()
    options = options or BuildOptions()
    frequency = word_frequency or {}
    total = sum(frequency.values()) or 1
    encode = lambda texts: _unit(np.asarray(teacher.encode(  # noqa: E731
        texts, batch_size=options.batch_size, convert_to_numpy=True, show_progress_bar=False), dtype=np.float32))

    singles = [w for w in dictionary if len(w.simplified) == 1]
    multi = sorted((w for w in dictionary if len(w.simplified) > 1 and len(w.simplified) <= 6),
                   key=lambda w: (-frequency.get(w.simplified, 0), w.simplified))[: options.max_chinese_words]
    chinese = singles + multi
    if teacher_vocab is None:
        teacher_vocab = teacher.tokenizer.get_vocab() if hasattr(teacher, "tokenizer") else []
    english = english_vocabulary(teacher_vocab, (w.gloss for w in chinese))
    log(f"embedding {len(english)} English words with the teacher")
    english_vectors = encode(english) if english else np.zeros((0, 1), dtype=np.float32)
    english_index = {w: i for i, w in enumerate(english)}

    chinese_vectors = compose_gloss_vectors([w.gloss for w in chinese], english_index, english_vectors)
    commonest = sorted(range(len(chinese)), key=lambda i: -frequency.get(chinese[i].simplified, 0))
    commonest = [i for i in commonest[: options.gloss_sentences] if frequency.get(chinese[i].simplified, 0) > 0]
    if commonest:
        log(f"embedding the glosses of the {len(commonest)} commonest Chinese words with the teacher")
        chinese_vectors[commonest] = encode([chinese[i].gloss for i in commonest])

    # Vocabulary rows: [UNK], English words, Chinese words (Simplified, then Traditional forms that
    # differ), then every remaining CJK character with a zero vector.
    tokens = ["[UNK]", *english]
    source_rows: list[tuple[str, int]] = [("unk", 0)] + [("en", i) for i in range(len(english))]
    seen = set(tokens)
    for forms in ([w.simplified for w in chinese], [w.traditional for w in chinese]):
        for i, form in enumerate(forms):
            if form not in seen:
                seen.add(form)
                tokens.append(form)
                source_rows.append(("zh", i))
    for code in _CJK_BASIC:
        if chr(code) not in seen:
            seen.add(chr(code))
            tokens.append(chr(code))
            source_rows.append(("unk", 0))

    dim_in = english_vectors.shape[1] if len(english) else chinese_vectors.shape[1]
    matrix = np.zeros((len(tokens), dim_in), dtype=np.float32)
    for row, (kind, i) in enumerate(source_rows):
        if kind == "en":
            matrix[row] = english_vectors[i]
        elif kind == "zh":
            matrix[row] = chinese_vectors[i]
    matrix = _unit(pca_reduce(matrix, options.dim))

    simplified_of = {w.traditional: w.simplified for w in chinese}
    weights = sif_weights([simplified_of.get(t, t) for t in tokens], frequency, total, options.sif_a)
    stop = STOPWORDS_EN | STOPWORDS_ZH
    weights[[i for i, t in enumerate(tokens) if simplified_of.get(t, t) in stop]] = options.stopword_weight
    matrix *= weights[:, None]

    tokenizer = make_tokenizer(tokens)
    model = SentenceTransformer(modules=[StaticEmbedding(tokenizer, embedding_weights=matrix)], device="cpu")
    output_dir.mkdir(parents=True, exist_ok=True)
    model.save(str(output_dir))
    report = BuildReport(name=name, seconds=round(time.perf_counter() - started, 1), vocabulary=len(tokens),
                         english_words=len(english), chinese_words=len(chinese), dim=int(matrix.shape[1]),
                         bytes=sum(p.stat().st_size for p in output_dir.rglob("*") if p.is_file()))
    info = {"name": name, "family": MODEL_FAMILY, "version": MODEL_VERSION, "options": asdict(options),
            "report": asdict(report), "files_sha1": files_sha1(output_dir, leave_out=(BUILD_INFO_FILE,))}
    (output_dir / BUILD_INFO_FILE).write_text(json.dumps(info, indent=2), encoding="utf-8")
    return report


def build_default_model(options: BuildOptions | None = None, *, force: bool = False,
                        log=lambda message: None) -> tuple[Path, BuildReport | None]:
    """Build the project's default static model from installed packages (teacher, CC-CEDICT, jieba)."""
    import os
    import shutil

    from retrieval.config import DEFAULT_TEACHER_MODEL
    from retrieval.crosslingual.bridge import cedict_path
    from retrieval.text import jieba_frequencies

    target = model_cache_dir() / DEFAULT_MODEL_NAME
    if not force and built_model_path() is not None:
        return target, None
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    teacher = SentenceTransformer(resolve_model_path(DEFAULT_TEACHER_MODEL), device="cpu")
    teacher.max_seq_length = 48  # words and short glosses: nothing longer is embedded, so pad less
    with cedict_path().open(encoding="utf-8") as handle:
        dictionary = read_dictionary(handle, (options or BuildOptions()).max_senses)
    temporary = target.with_name(f".tmp-{target.name}-{os.getpid()}")
    shutil.rmtree(temporary, ignore_errors=True)
    report = build_static_model(teacher, dictionary, temporary, name=DEFAULT_MODEL_NAME,
                                word_frequency=jieba_frequencies(), options=options, log=log)
    shutil.rmtree(target, ignore_errors=True)
    temporary.replace(target)  # appears complete or not at all
    return target, report
