"""Reporting-verb lexicons: the lemmas the attribution rules, the relation kinds, the speaker
names and the attribution model's surface features all read, and their inflected forms.

The lemma sets are matched against spaCy lemmas (``unspun.stages.cues``); ``SPEECH_FORMS`` and
``inflections`` against the lower-cased words of a text, where there is no parse. The
inflection rules also make forms that are no word (``admitd``, ``admiting``); they can match
only a misspelling.

>>> sorted(inflections(["admit"]))
['admit', 'admitd', 'admited', 'admiting', 'admits', 'admitted', 'admitting']
>>> {"said", "according"} & SPEECH_FORMS
{'said'}
"""

from __future__ import annotations

import re

# Reporting verbs (lemmas) whose complement is reported content.
SPEECH = frozenset("""
say tell add state write tweet post reply respond answer remark comment explain note observe
recall stress emphasize emphasise underline underscore insist maintain argue contend claim
allege assert declare announce proclaim warn caution acknowledge admit concede confirm deny
reveal disclose suggest indicate predict promise vow pledge threaten complain testify conclude
report ask urge demand boast brag joke quip mention repeat reiterate counter retort hint
speculate estimate agree charge question wonder advise inform assure concur lament posit
propose recommend
""".split())
# Verbs of thinking: a cue only with a clausal complement ("she believes that ...").
THOUGHT = frozenset("believe think feel fear hope expect worry doubt reckon suspect find show".split())
# Verbs that only introduce direct quotations: of manner ("“Go,” he shouted") and of naming
# ("a move Okafor called “an act of war”").
DIRECT_ONLY = frozenset("""
continue shout scream yell exclaim whisper cry snap muse sigh laugh chuckle mutter murmur
begin interject interrupt plead call dub brand label describe term
""".split())
# Reporting verbs whose object is reported content when there is no clause ("announced his bid").
OBJECT_CONTENT = frozenset("""
announce deny confirm reveal disclose predict promise pledge propose recommend acknowledge
admit concede demand estimate suggest
""".split())
# Verbs whose infinitive complement is reported ("urged Congress to act").
INFINITIVE_CONTENT = frozenset("tell ask urge warn advise demand promise pledge vow threaten".split())

_IRREGULAR = """said says saying told telling wrote written writing thought thinking felt found shown
showed saw heard knew known meant spoke spoken stood understood sought""".split()


def inflections(verbs) -> frozenset[str]:
    """The verbs with their regular inflections (-s, -ed, -ing, admit -> admitted)."""
    out = set()
    for v in verbs:
        out.update({v, v + "s", v + "ed", v + "d", v + "ing"})
        if v.endswith("e"):
            out.add(v[:-1] + "ing")
        if v.endswith("y"):
            out.update({v[:-1] + "ies", v[:-1] + "ied"})
        if re.search(r"[^aeiou][aeiou][bdglmnprt]$", v):  # admit -> admitted
            out.update({v + v[-1] + "ed", v + v[-1] + "ing"})
    return frozenset(out)


# Word forms of the speech and thought verbs, for text without a parse.
SPEECH_FORMS = inflections(SPEECH | THOUGHT) | frozenset(_IRREGULAR)
