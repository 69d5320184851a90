#!/usr/bin/env python3
# Writes Tests/Fixtures/tokenizer_components/cases.json: small tokenizer.json files, one per component
# or option the family fixtures do not exercise, and what the Hugging Face `tokenizers` library gives
# for a few texts (ids, tokens, offsets; pairs; decoding). Usage:
#   python3 scripts/tokenizer-components-reference.py OUT.json     (the file shipped: tokenizers 0.23.3)
import json, sys
from tokenizers import Tokenizer, Regex, AddedToken
from tokenizers import models, normalizers as N, pre_tokenizers as P, decoders as D, processors as PP

TEXTS = ["the-final--countdown", "Call 123 please, ok?!", "  Héllo   wörld\tÅ ﬁ ① ",
         "Hey friend!     How are you?!?", "ab cd abcd", "日本 a1b22 ..."]

def char_vocab(extra=(), prefix=None, suffix=None, with_bytes=False):
    chars = sorted(set("".join(TEXTS)) | set("▁"))
    vocab = {"[UNK]": 0}
    for c in chars:
        vocab.setdefault(c, len(vocab))
        if prefix: vocab.setdefault(prefix + c, len(vocab))
        if suffix: vocab.setdefault(c + suffix, len(vocab))
        if prefix and suffix: vocab.setdefault(prefix + c + suffix, len(vocab))
    for t in extra: vocab.setdefault(t, len(vocab))
    if with_bytes:
        for b in range(256): vocab.setdefault("<0x%02X>" % b, len(vocab))
    return vocab

def bpe(merges=(), prefix=None, suffix=None, **kw):
    vocab = char_vocab(prefix=prefix, suffix=suffix, with_bytes=kw.get("byte_fallback", False))
    full = []
    for a, b in merges:
        merged = a + (b[len(prefix):] if prefix and b.startswith(prefix) else b)
        vocab.setdefault(a, len(vocab)); vocab.setdefault(b, len(vocab)); vocab.setdefault(merged, len(vocab))
        full.append((a, b))
    if prefix: kw["continuing_subword_prefix"] = prefix
    if suffix: kw["end_of_word_suffix"] = suffix
    return models.BPE(vocab=vocab, merges=full, unk_token="[UNK]", **kw)

cases = []
def case(name, tok, pairs=(), texts=TEXTS):
    entry = {"name": name, "tokenizer": json.loads(tok.to_str()), "texts": [], "pairs": []}
    for t in texts:
        e = tok.encode(t)
        entry["texts"].append({"text": t, "ids": e.ids, "tokens": e.tokens, "offsets": [list(o) for o in e.offsets],
                               "decoded": tok.decode(e.ids, skip_special_tokens=False)})
    for a, b in pairs:
        e = tok.encode(a, b)
        entry["pairs"].append({"text": a, "text_pair": b, "ids": e.ids, "tokens": e.tokens, "type_ids": e.type_ids,
                               "offsets": [list(o) for o in e.offsets]})
    cases.append(entry)

for behavior in ["removed", "isolated", "merged_with_previous", "merged_with_next", "contiguous"]:
    for invert in [False, True]:
        t = Tokenizer(bpe()); t.pre_tokenizer = P.Split("-", behavior, invert=invert)
        case(f"Split literal {behavior} invert {invert}", t)
t = Tokenizer(bpe()); t.pre_tokenizer = P.Split(Regex(r"\s+|\d+"), "merged_with_next"); case("Split regex merged_with_next", t)
for individual in [False, True]:
    t = Tokenizer(bpe()); t.pre_tokenizer = P.Digits(individual_digits=individual); case(f"Digits individual {individual}", t)
for behavior in ["isolated", "contiguous", "merged_with_previous"]:
    t = Tokenizer(bpe()); t.pre_tokenizer = P.Punctuation(behavior); case(f"Punctuation {behavior}", t)
t = Tokenizer(bpe()); t.pre_tokenizer = P.Whitespace(); case("Whitespace", t)
t = Tokenizer(bpe()); t.pre_tokenizer = P.WhitespaceSplit(); case("WhitespaceSplit", t)
for scheme in ["always", "never", "first"]:
    for split in [True, False]:
        t = Tokenizer(bpe()); t.pre_tokenizer = P.Metaspace(prepend_scheme=scheme, split=split)
        t.decoder = D.Metaspace(prepend_scheme=scheme, split=split)
        t.add_special_tokens(["<x>"])
        case(f"Metaspace {scheme} split {split}", t, texts=TEXTS + ["<x>after <x> spaced", " lead"])
t = Tokenizer(bpe()); t.pre_tokenizer = P.ByteLevel(add_prefix_space=True, use_regex=True); t.decoder = D.ByteLevel()
t.post_processor = PP.ByteLevel(trim_offsets=True)
case("ByteLevel prefix space and trimmed offsets", t)
for name, norm in [("NFD", N.NFD()), ("NFKD", N.NFKD()), ("NFKC", N.NFKC()), ("Lowercase", N.Lowercase()),
                   ("Strip", N.Strip()), ("Strip left", N.Strip(left=True, right=False)),
                   ("NFD StripAccents Lowercase", N.Sequence([N.NFD(), N.StripAccents(), N.Lowercase()])),
                   ("Replace regex", N.Replace(Regex(r"\s+"), "_")), ("Prepend", N.Prepend("▁"))]:
    t = Tokenizer(bpe()); t.normalizer = norm; t.pre_tokenizer = P.WhitespaceSplit(); case(f"normalizer {name}", t)
t = Tokenizer(bpe(merges=[("a", "##b"), ("c", "##d"), ("ab", "##c")], prefix="##")); t.pre_tokenizer = P.Whitespace()
t.decoder = D.WordPiece(prefix="##"); case("BPE continuing_subword_prefix", t)
t = Tokenizer(bpe(merges=[("a", "b"), ("c", "d</w>"), ("ab", "cd</w>")], suffix="</w>")); t.pre_tokenizer = P.Whitespace()
t.decoder = D.BPEDecoder(suffix="</w>"); case("BPE end_of_word_suffix", t)
t = Tokenizer(bpe(byte_fallback=True)); 
t2 = json.loads(t.to_str()); del t2["model"]["vocab"]["日"]; del t2["model"]["vocab"]["ö"]
t = Tokenizer.from_str(json.dumps(t2)); t.pre_tokenizer = P.Whitespace(); t.decoder = D.Sequence([D.ByteFallback(), D.Fuse(), D.Strip(" ", 0, 1), D.Replace("a", "A")])
case("BPE byte_fallback and decoder chain", t)
t = Tokenizer(bpe(fuse_unk=False)); t2 = json.loads(t.to_str())
for c in "日本ö": del t2["model"]["vocab"][c]
t = Tokenizer.from_str(json.dumps(t2)); t.pre_tokenizer = P.WhitespaceSplit(); case("BPE unknown not fused", t)
uvocab = [("<unk>", 0.0)] + [(c, -5.0 - i * 0.01) for i, c in enumerate(sorted(set("".join(TEXTS)) - set("日ö")))] + [("ab", -3.0), ("cd", -3.5), ("abcd", -6.5)]
uvocab += [("<0x%02X>" % b, -20.0) for b in range(256)]
t = Tokenizer(models.Unigram(uvocab, unk_id=0, byte_fallback=True)); t.pre_tokenizer = P.WhitespaceSplit(); t.decoder = D.ByteFallback()
case("Unigram byte_fallback", t)
t = Tokenizer(bpe()); t.pre_tokenizer = P.Whitespace()
t.add_special_tokens(["<s>", "</s>"]); t.post_processor = PP.RobertaProcessing(("</s>", t.token_to_id("</s>")), ("<s>", t.token_to_id("<s>")))
case("RobertaProcessing", t, pairs=[("ab cd", "x y"), ("", "z")])
t = Tokenizer(bpe()); t.pre_tokenizer = P.Whitespace()
t.add_special_tokens(["[CLS]", "[SEP]"]); t.post_processor = PP.BertProcessing(("[SEP]", t.token_to_id("[SEP]")), ("[CLS]", t.token_to_id("[CLS]")))
case("BertProcessing", t, pairs=[("ab cd", "x y")])
t = Tokenizer(bpe()); t.pre_tokenizer = P.Whitespace()
t.add_special_tokens(["[CLS]", "[SEP]"]); t.post_processor = PP.TemplateProcessing(single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
    special_tokens=[("[CLS]", t.token_to_id("[CLS]")), ("[SEP]", t.token_to_id("[SEP]"))])
case("TemplateProcessing pair", t, pairs=[("ab cd", "x y")])
t = Tokenizer(bpe()); t.pre_tokenizer = P.WhitespaceSplit(); t.normalizer = N.Lowercase()
t.add_tokens([AddedToken("ok", single_word=True), AddedToken("cd", lstrip=True, rstrip=True), AddedToken("HEY", normalized=True)])
t.add_special_tokens([AddedToken("<x>", lstrip=True)])
case("added tokens single_word lstrip rstrip normalized", t, texts=TEXTS + ["ok okay ok", "ab  cd  ef <x> y", "Hey HEY hey"])
json.dump(cases, open(sys.argv[1], "w"), ensure_ascii=False, separators=(",", ":"))
print(len(cases), "cases")
