/** Names: normalisation, case folding, mixed scripts and the confusable skeleton. */
import { deepEqual, equal } from "node:assert/strict";
import { checkName, nameKey, skeletonOf } from "../../lib/server/accounts/mod.ts";

Deno.test("names: shown as NFKC, unique by NFKC and case folding", () => {
  const table: [string, string, string][] = [
    ["Ada", "Ada", "ada"],
    ["ＡＤＡ", "ADA", "ada"],
    ["𝐀𝐝𝐚", "Ada", "ada"],
    ["Straße", "Straße", "strasse"],
    ["STRASSE", "STRASSE", "strasse"],
    ["rııt", "rııt", "riit"],
    ["RIIT", "RIIT", "riit"],
    ["ﬁx", "fix", "fix"],
    ["Ⅻ", "XII", "xii"],
    ["東京", "東京", "東京"],
  ];
  for (const [written, shown, key] of table) {
    const checked = checkName(written);
    equal(checked.ok && checked.name, shown, written);
    equal(checked.ok && checked.key, key, written);
    equal(nameKey(written), key, written);
  }
});

Deno.test("names: mixed scripts are refused, one script (or Japanese, Korean) is not", () => {
  const refused = ["RОOT", "rооt", "pаypal", "Аda", "ada台", "ελληνικάabc", "abcאבג", "тest1"];
  for (const name of refused) {
    const checked = checkName(name);
    equal(checked.ok ? "accepted" : checked.reason, "mixed_scripts", name);
  }
  const accepted = [
    "root",
    "рор",
    "Ελληνικά",
    "ひらがなカタカナ漢字",
    "カタカナー",
    "한국어漢字",
    "東京-2",
    "ada_lovelace.1815",
    "جمال",
  ];
  for (const name of accepted) equal(checkName(name).ok, true, name);
});

Deno.test("names: malformed ones are refused, as the contract's UserName", () => {
  for (const name of ["", "a b", "a".repeat(33), "x\u0301", "ab\u200dc", "<script>", "a/b"]) {
    const checked = checkName(name);
    equal(checked.ok ? "accepted" : checked.reason, "invalid", JSON.stringify(name));
  }
});

Deno.test("confusable skeleton: look-alikes share one skeleton, different names do not", () => {
  const groups: string[][] = [
    ["root", "ROOT", "R00T", "гоот", "𝐫𝐨𝐨𝐭"],
    ["ian", "lan", "1an", "Ian", "ıan"],
    ["pop", "рор", "ρορ"],
    ["modern", "rnodern", "modem"],
    ["wave", "vvave"],
    ["ada", "аdа"],
  ];
  for (const group of groups) {
    const skeletons = group.map((name) => skeletonOf(nameKey(name)));
    deepEqual(new Set(skeletons).size, 1, `${group.join(", ")}: ${skeletons.join(", ")}`);
  }
  equal(skeletonOf("ada") === skeletonOf("bob"), false);
  equal(skeletonOf("anna") === skeletonOf("anne"), false);
});
