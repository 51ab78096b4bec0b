/**
 * The search tokenizer: which words a text is indexed under and a query asks
 * for, in every script, case-folded, bounded in length and count.
 */
import { deepEqual, equal } from "node:assert/strict";
import {
  parseQuery,
  WORD_MAX_CHARS,
  WORDS_PER_ENTRY_MAX,
  wordsOf,
} from "../../lib/server/search/mod.ts";
import { SEARCH_QUERY_MAX_CHARS, SEARCH_WORDS_MAX } from "../../lib/protocol/mod.ts";

Deno.test("tokenize: words of letters, marks, digits and _, case-folded, each once", () => {
  deepEqual(wordsOf("Hello, HELLO world! snake_case v2.0"), [
    "hello",
    "world",
    "snake_case",
    "v2",
    "0",
  ]);
  deepEqual(wordsOf("Ｆｕｌｌｗｉｄｔｈ ﬁne"), ["fullwidth", "fine"], "NFKC first");
  deepEqual(wordsOf("Straße ÉCOLE naïve"), ["straße", "école", "naïve"]);
  deepEqual(wordsOf("Привет мир — مرحبا"), ["привет", "мир", "مرحبا"]);
  deepEqual(wordsOf("東京 タワー"), ["東京", "タワー"]);
  deepEqual(wordsOf("<script>alert(1)</script>"), ["script", "alert", "1"]);
  deepEqual(wordsOf("🎉 !!! ..."), []);
  deepEqual(wordsOf(""), []);
});

Deno.test("tokenize: long words are cut, and an entry keeps at most its first words", () => {
  equal(wordsOf("a".repeat(1_000))[0].length, WORD_MAX_CHARS);
  const many = Array.from({ length: 1_000 }, (_, i) => `w${i}`).join(" ");
  const words = wordsOf(many);
  equal(words.length, WORDS_PER_ENTRY_MAX);
  equal(words.at(-1), `w${WORDS_PER_ENTRY_MAX - 1}`);
});

Deno.test("tokenize: a query is its words, or why it cannot be searched for", () => {
  deepEqual(parseQuery("Deploy  FRIDAY deploy"), { ok: true, words: ["deploy", "friday"] });
  deepEqual(parseQuery("  ?! "), { ok: false, message: "q has no words to search for" });
  const tooMany = Array.from({ length: SEARCH_WORDS_MAX + 1 }, (_, i) => `w${i}`).join(" ");
  deepEqual(parseQuery(tooMany), {
    ok: false,
    message: `q has more than ${SEARCH_WORDS_MAX} words`,
  });
  equal(parseQuery("x".repeat(SEARCH_QUERY_MAX_CHARS + 1)).ok, false);
  equal(parseQuery("x".repeat(SEARCH_QUERY_MAX_CHARS)).ok, true);
});

Deno.test("tokenize: one endless word of joined marks is one word, cut", () => {
  const hostile = "a_".repeat(50_000) + "e\u0301".repeat(50_000);
  deepEqual(wordsOf(hostile), ["a_".repeat(WORD_MAX_CHARS / 2)]);
});
