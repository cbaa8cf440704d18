"""One line per propaganda technique, saying what a mark of it claims about the marked words.

The names are the 14 techniques of the PTC corpus (SemEval-2020 Task 11), which the technique
models are trained on; the wording is this project's own. The HTML report shows a mark's line on
hover, the terminal report lists the lines of the techniques it marks under the legend.

>>> definition("Loaded_Language")
'words chosen for their emotional charge rather than to describe'
>>> definition("Unknown_Technique") is None
True
"""

from __future__ import annotations

DEFINITIONS = {
    "Appeal_to_Authority": "a claim presented as true because an authority or expert is said to back it",
    "Appeal_to_fear-prejudice": "support sought by stirring fear or prejudice against an alternative or a group",
    "Bandwagon,Reductio_ad_hitlerum":
        "join because everyone does, or reject because a hated group holds the same view",
    "Black-and-White_Fallacy": "two options offered as the only ones when more exist",
    "Causal_Oversimplification": "one cause given for an outcome that has several",
    "Doubt": "the credibility of someone or something questioned without evidence",
    "Exaggeration,Minimisation": "something made to seem much larger, or much smaller, than it is",
    "Flag-Waving": "an appeal to patriotism or group identity to justify an idea or act",
    "Loaded_Language": "words chosen for their emotional charge rather than to describe",
    "Name_Calling,Labeling": "a person or group given a label meant to make the reader fear, hate or admire them",
    "Repetition": "the same message repeated so that it sticks",
    "Slogans": "a short, striking phrase standing in for an argument",
    "Thought-terminating_Cliches": "a stock phrase that discourages further thought on the matter",
    "Whataboutism,Straw_Men,Red_Herring":
        "a charge deflected to the accuser, an opponent's view misstated, or an irrelevant point raised",
}


def definition(technique: str) -> str | None:
    """The one-line definition of ``technique`` (a PTC name), or None for a name it does not know."""
    return DEFINITIONS.get(technique)
