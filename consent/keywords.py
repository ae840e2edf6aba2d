"""What an inbound text means: opt-out, possible opt-out, opt-in, help, or an ordinary reply.

Consent is revoked "by any reasonable means" (47 CFR 64.1200(a)(10)): a reply using stop,
quit, end, revoke, opt out, cancel or unsubscribe, or saying the same in plain words, must be
honoured. These rules read a text as words and phrases, never as substrings, so "stopcock",
"weekend" and "remove metal siding" mean nothing here. Every phrase list lives in this
module; `explain(body)` names the rule that decided a text, for a person to check
(`manage.py intent_report` runs the labelled corpus in tests/data/ through it).

How a text is read
- Normalised: Unicode compatibility forms (full-width letters), Latin lookalikes from other
  scripts, accents, case, curly apostrophes, invisible characters; letters spelled out
  ("S T O P"); letters repeated for emphasis ("stoppp", "pleaseee") when that gives a word
  some rule knows; common texting spellings ("txt", "pls", "dont", "unsub", "wrong #").
- Split into clauses at sentence punctuation (. , ! ? ; : new line): "stop. wrong number" is
  two clauses. Emoji and other symbols are not words.
- A clause's *core* is what is left without the courtesy around it ("ok", "please",
  "I said", "thanks", "now", "for good"). A request in front ("can you", "I want you to")
  or the customer's own intention ("I need to", "how do I") is noted: it changes what a
  bare keyword means.

Opt-out: consent revoked; Lasso records it, confirms once and sends nothing more.
- The whole text is opt-out keywords and courtesy: "STOP", "please stop", "END.",
  "I said STOP", "ok cancel", "unsubscribe me pls", "Opt me out", "Stop 🛑". A lone keyword
  is honoured even with a question mark ("stop?"): carriers treat it as one.
- A revocation core in any clause, asked or intended: "how do I unsubscribe?",
  "can you remove my number", "opting out", "lose my number", "go away".
- Plain revocations anywhere, at any length: stop/quit texting (messaging, contacting,
  sending texts, bugging me...), stop the texts, don't/never text (message, contact) me,
  no more texts, I don't want these texts, take/remove me (my number) off/from the list,
  unsubscribe me from these texts, leave me alone, I already opted out.
- "stop" as a clause of a short text ("ok, stop, I found someone"), asked of us
  ("can you stop?"), ending a clause ("so please stop") or opening a run-on
  ("STOP I don't need this").
- Wrong number: a clause that says only that ("you have the wrong number", "wrong #",
  "sorry I dialed the wrong number"), or that the number is not who we think ("this isn't
  Bob", "no one by that name", "he doesn't live here").

Possible opt-out: stored as a customer message; the conversation is flagged for a person.
- cancel / end / quit / remove beside other words, asked, or intended, where the customer may
  mean the appointment: "cancel that", "cancel. found someone else", "can you cancel?",
  "I need to cancel". With an object ("cancel my appointment") they are ordinary replies.
- "stop" as a clause of a long text (over SHORT_MESSAGE_WORDS words), or "I want to stop".
- Doubts about consent: "who gave you this number?", "how did you get my number",
  "why are you texting me", "I didn't call you", "never signed up", "not interested",
  "no thanks", spam / scam / harassment / reporting or blocking us.
- "don't text me" limited in time ("until 5", "at work"); a wrong number asked about or
  among other words ("the invoice has the wrong number"); "this isn't bob" in lower case (a
  name or an ordinary word); being taken off something that may not be our list;
  unsubscribe / opt out / revoke mentioned in passing; nothing but stop-sign emoji.

Help: only the HELP or INFO keyword itself, punctuation and emoji aside ("HELP", "help?",
"🙏 help", "INFO."): what carriers require an answer to. "help me please, my basement is
flooding" is a customer asking for help: an ordinary reply for the team.

Opt-in: START, UNSTOP, YES (and resubscribe / opt in / "you can text me again") with courtesy
only. Whether "yes" resubscribes is for the caller to decide (only a number that opted out).

Everything else is an ordinary reply: "stop by at 3", "the leak won't stop", "end of the
week", "cancel my appointment", "the heater quit", "don't stop until it's fixed".

Other languages: a bare ALTO, PARAR, CANCELAR, DETENER, BAJA, BASTA or ARRET, and "no mas
mensajes", are opt-outs, as the Spanish and French keywords carriers know; anything else is
left to the team (and to Twilio's own opt-out handling, which reports what it matched).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum


class Intent(StrEnum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
    MESSAGE = "message"
    # Neither clearly "stop" nor clearly not ("cancel that", "who gave you this number?"):
    # stored as a customer message and flagged for a person to read before replying.
    POSSIBLE_OPT_OUT = "possible_opt_out"


def _list(text: str) -> tuple[str, ...]:
    """Phrases separated by "|" (line breaks are only layout)."""
    return tuple(" ".join(p.split()) for p in text.split("|") if p.strip())


# ============================================================================================
# Phrase lists. Words are compared after normalisation (lower case, "dont" -> "don't", ...).
# ============================================================================================

# Keywords carriers and Twilio's Advanced Opt-Out recognise on their own.
STANDARD_OPT_OUT = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"}
STANDARD_OPT_IN = {"start", "yes", "unstop"}
STANDARD_HELP = {"help", "info"}

# A revocation whatever the clause around it and whatever is asked in front
# ("how do I unsubscribe?", "can you remove my number?").
REVOCATION_CORES = frozenset(
    _list("""
    unsubscribe | i unsubscribe | optout | opt out | opt me out | opt us out | opt my number out
    | opt this number out | opting out | i'm opting out | i opt out | revoke | revoke consent
    | revoke my consent | i revoke consent | i revoke my consent | withdraw consent
    | withdraw my consent | stopall | stop all | remove me | remove us | remove my number
    | remove this number | delete me | delete my number | delete this number | erase my number
    | take me off | take my number off | take this number off | no texts | no text messages
    | no texting | no messages | no more | not my number | no mas mensajes | no mas textos
    | go away | f off | fuck off | piss off | buzz off | get lost | leave me be
    """)
)
# "stop" itself: a revocation alone, as a clause of a short text, or asked of us.
STOP_CORES = frozenset({"stop"})
# Keywords that are also the ordinary words of a service business (cancel the visit, end of
# the week, the heater quit): a revocation as the whole text, otherwise for a person.
WEAK_CORES = frozenset(
    _list("cancel | end | quit | remove | alto | parar | cancelar | detener | baja | basta | arret")
)
# "stop it" means stop; "cancel that" may mean the appointment.
VAGUE_OBJECTS = frozenset(_list("it | that | this | everything | all | them"))
# "cancel me", "unsubscribe this number", "delete my number": about the person, so a
# revocation whichever keyword they follow.
NUMBER_OBJECTS = _list("""
    me | us | this number | my number | this phone | my phone | my cell | my info
    | my information | my contact info | my details | my name
""")
NUMBER_VERBS = frozenset(_list("delete | erase | lose | forget"))

OPT_IN_CORES = frozenset(
    _list("""
    start | unstop | yes | resubscribe | subscribe | opt in | opt me in | opt back in
    | opt me back in | opt in again | start texts | start texting | start texting me
    | start messaging me | resume | resume texts | resume texting | text me | text me again
    | you can text me | you can text me again | you may text me | ok to text | ok to text me
    | sign me back up | sign me up again
    """)
)

# Courtesy that does not change a keyword, in front of it ...
LEAD_COURTESY = _list("""
    please | ok | hey | hi | hello | yo | just | so | and | then | well | oh | um | uh | hmm
    | alright | all right | seriously | sorry | omg | dude | bro | guys | again | now | lol
    | i said | like i said | i already said | i told you | i repeat | once again
    | for the last time | pretty please | i'm sorry | but | kindly
""")
# ... and after it.
TRAIL_COURTESY = _list("""
    please | now | thanks | thank you | thank you very much | thanks again | sorry | already
    | asap | immediately | right now | again | seriously | lol | lmao | sir | ma'am | dude | bro
    | man | guys | anymore | any more | forever | permanently | completely | for good | too
    | bye | goodbye | ok | for real | for real this time | this time | once and for all
    | for the last time | kthx
""")
# Asking us: "can you stop?" is a stop; "can you cancel?" may be the appointment.
ASKING_US = _list("""
    can you | could you | will you | would you | can you please | could you please
    | would you please | will you please | you need to | you can | you should | you have to
    | you must | i want you to | i need you to | i asked you to | i told you to
    | i'm asking you to | i am asking you to | i'd like you to | i would like you to
""")
# The customer's own intention: "how do I unsubscribe" is a revocation; "I need to cancel"
# and "I want to stop" may be about the work.
OWN_INTENT = _list("""
    i want to | i wanna | wanna | want to | i'd like to | i would like to | i need to | need to
    | i wish to | how do i | how can i | how to | can i | let me | i'm trying to | trying to
    | where do i
""")
# A keyword ending a clause after one of these is an instruction ("so please stop",
# "I already replied stop").
TAIL_LEADS = frozenset(
    _list("""
    please | so | just | now | yes | yeah | no | nope | ok | said | say | replied | typed
    | texted | wrote
    """)
)
# A keyword opening a run-on ("STOP I don't need a plumber", "Stop you have the wrong
# person"), not taking an object ("STOP the water is everywhere").
RUN_ON_STARTERS = frozenset(
    _list("""
    i | i'm | i've | i'll | we | we're | you | you're | wrong | not | no | please | leave
    | don't | never | who | why | unsubscribe | remove | lol | sorry | thanks
    """)
)

# Texts, as nouns, and contacting, as verbs.
MESSAGE_NOUNS = _list("""
    texts | text messages | messages | sms | notifications | alerts | spam | marketing | promos
    | promotions | ads | reminders | automated messages | text alerts | text reminders
    | text notifications | text updates | updates | emails
""")
CONTACT_GERUNDS = _list("""
    texting | messaging | contacting | spamming | bothering | harassing | bugging | pestering
    | hounding | calling | emailing | pinging | hitting me up | blowing up my phone
    | blowing me up | reaching out | receiving texts | receiving messages | getting texts
    | getting messages | getting these | receiving these
""")
STOP_VERBS = _list("stop | quit | cease | halt | discontinue")
CONTACT_VERBS = _list("""
    text | message | contact | sms | email | hit me up | reach out to | call or text
    | text or call | call and text | call or message
""")
CONTACT_OBJECTS = _list(
    "me | us | this number | this phone | my number | my phone | my cell | here"
)
# What "stop sending ..." must be about to mean the texts (not "stop sending the tech").
SENT_THINGS = MESSAGE_NOUNS + _list("text | them | this | that | anything | stuff | junk | crap")
# "Don't text me until 5" limits the texts rather than ending them.
TIME_LIMITS = frozenset(
    _list("""
    until | till | til | before | after | at | during | while | between | on | past | so
    | this | in | tonight | today | tomorrow | late | early | when
    """)
)
# Whose "stop texting" is not an instruction to us ("I'll quit calling if you text").
OTHER_SUBJECTS = frozenset(
    _list("""
    i | we | he | she | they | it | i'll | we'll | he'll | she'll | they'll | i'd | we'd | i'm
    | will | gonna | who | that | which
    """)
)
NEGATORS = frozenset(
    _list("""
    don't | not | never | won't | can't | cannot | doesn't | didn't | wouldn't | couldn't
    | shouldn't | isn't | aren't | wasn't
    """)
)

# Off what: a list means the texts, a schedule means the work.
REMOVE_VERBS = _list("remove | take | get | delete | erase | scratch | cross | pull")
MY_NUMBER = _list("""
    me | us | my number | my phone number | my phone | my cell | my cell number | this number
    | this phone | my info | my information | my contact info | my details | my name
""")
LIST_NOUNS = frozenset(
    _list("""
    list | lists | mailing | texting | contacts | contact | database | system | texts | text
    | messages | sms | notifications | alerts | marketing | everything | registry | spam | this
    """)
)
WORK_NOUNS = frozenset(
    _list("""
    schedule | calendar | appointment | appointments | booking | waitlist | waiting | route
    | job | order | ticket | invoice | estimate | quote | visit | work | bill | receipt | form
    | paperwork | warranty | policy | plan
    """)
)

# Plain-language revocations, anywhere in a text.
PLAIN_REVOCATIONS = _list("""
    no more texts | no more text messages | no more text | no more messages | no more texting
    | no more messaging | no more sms | no more spam | no more contact | lose my number
    | forget my number | burn my number | leave me alone | do not disturb | no mas mensajes
""")
# "I don't want these texts", "I no longer wish to receive messages", "I already opted out".
UNWANTED = (
    r"(?:don't|do not|no longer|never) (?:want|wish|care for)(?: to (?:receive|get|be getting"
    r"|be receiving))?(?: any)?(?: more)?(?: of)?(?: (?:your|these|those|the|this|any|ur|all))?"
    r" (?:texts|text messages|messages|text|sms|texting|text alerts|notifications|spam"
    r"|marketing|reminders)",
    r"(?:don't|do not|no longer|never) (?:want|wish|need) to be (?:texted|contacted"
    r"|messaged|bothered|on (?:this|your|the) list)",
    r"(?:want|would like|i'd like|wish|need) to be (?:removed|taken off|unsubscribed"
    r"|opted out)",
    r"(?:don't|do not|no longer) (?:consent|agree) to (?:texts|being texted|receiving|these"
    r"|this|any)",
    r"already (?:opted out|unsubscribed)|(?:opted out|unsubscribed) already",
    r"(?:i|i've|i have|we|we've) (?:opted out|unsubscribed)$",
)

WRONG_NUMBER = (
    r"wrong (?:number|phone number|person|phone|cell|guy|lady|girl|contact)",
    r"not the right (?:number|person)",
)
# The words of a clause that says nothing but "wrong number".
WRONG_NUMBER_FRAME = frozenset(
    _list("""
    you | you've | you're | y'all | have | has | got | gotten | must | might | may | texted
    | text | texting | reached | messaged | dialed | dialled | called | calling | sent | to | the
    | a | this | that | that's | is | it's | it | i | i've | i'm | think | believe | pretty
    | sure | guess | afraid | wrong | number | person | phone | guy | lady | girl | cell
    | contact | buddy | pal | man | dude | bro | friend | mate | sir | ma'am | here | are | been
    | hey | hi | hello | sorry | lol | um | uh | ok | please | just | oops | whoops | again
    | definitely | totally | thanks | thank | my | bad | stop | not | right | hun | honey
    """)
)
# "This isn't Bob", "I'm not Maria", "no Sam here": (pattern, whether a word typed in lower
# case still deserves a look, since it may be a name).
NOT_THIS_PERSON = (
    (
        r"^(?:this|that|it|this number|this phone|this cell|the number) (?:isn't|is not|ain't"
        r"|is no longer) (?P<name>\S+)(?: (?:number|phone|cell|phone number|anymore"
        r"|any more))*$",
        True,
    ),
    (r"^(?:i'm|i am) not (?P<name>\S+)$", True),
    (r"^(?:there's |there is )?no (?P<name>\S+) here$", False),
)
NOT_THIS_PERSON_PLAIN = (
    r"(?:no one|noone|nobody|no) (?:here )?(?:named|by (?:that|the) name)",
    r"(?:doesn't|does not|don't|no longer) (?:live|lives) here",
    r"(?:doesn't|does not|don't|no longer) (?:have|has|use|uses) (?:this|that) (?:number"
    r"|phone|cell)",
    r"(?:this|that|it) (?:isn't|is not|ain't) (?:my|our) (?:number|phone|cell|phone number)$",
    r"(?:new|different) (?:owner|person) (?:of|has) this (?:number|phone)",
)
# After "this isn't ...": ordinary words, not somebody's name.
NOT_NAMES = frozenset(
    _list("""
    working | right | it | what | how | the | a | an | my | your | our | his | her | their
    | that | this | fixed | done | good | ok | okay | true | fair | funny | urgent | about | for
    | just | going | enough | cheap | correct | possible | normal | new | old | home | here
    | there | sure | interested | available | free | ready | happy | kidding | joking | serious
    | worth | bad | great | helpful | acceptable | clear | real | legit | able | asking | trying
    | looking | paying | finished | over | broken | leaking | emergency | covered | included
    | me | you | him | us | them | mine | yours | much | big | small | gonna | too | so | very
    | really | even | always | usually | what's | fine | cool | necessary | needed | in | on
    | at | out | up | down | with | from | to | of | by | why | exactly | quite | supposed
    | meant | doing | coming | moving | leaving | happening | one
    """)
)

# Doubts about consent or about who we are: a person reads these before anyone replies.
CONSENT_DOUBTS = (
    r"who gave (?:you|ya) (?:my|this|the|our) (?:number|phone number|info|contact|cell"
    r"|digits)",
    r"(?:how|where) (?:did|do|'d) (?:you|ya) get (?:my|this|the|our) (?:number|phone number"
    r"|info|contact|cell|digits)",
    r"why (?:are|do|does|is|would|did) (?:you|this number|someone|somebody|this business)"
    r"(?: still| keep| keeps)? (?:texting|messaging|contacting|text|message|sending)",
    r"why (?:am i|do i keep|i'm|is my phone) (?:getting|receiving) (?:these|this|your|texts"
    r"|messages|a text)",
    r"why do (?:you|ya) have my (?:number|phone number|info)",
    r"(?:who|who's|who is) (?:texting|messaging|this texting) me",
    r"(?:i|we) (?:didn't|did not|never|have not|haven't) (?:call|called|contact|contacted"
    r"|text|texted|reach out to|message|messaged)(?!(?: \S+)? back)(?: (?:you|this number"
    r"|anyone|anybody|y'all|your company|your business))?",
    r"(?:nobody|no one|noone) (?:here )?called",
    r"(?:never|didn't|did not) (?:sign|signed) up",
    r"never (?:gave|give|given) (?:you |ya )?(?:my number|permission|consent|my consent"
    r"|my phone number)",
    r"(?:didn't|did not|never) (?:agree|agreed|consent|consented) to (?:this|these|texts"
    r"|be texted|being texted|receive|receiving|get texts|messages|text messages)",
    r"never opted in",
    r"(?:not|no longer) (?:really )?interested",
    r"(?:i don't|i do not|don't) know (?:you|who (?:this|you) (?:is|are))",
    r"(?:idk|no idea|not sure) who (?:this is|you are|this|you)",
    r"do i know you",
    r"(?:never|haven't|have not) heard of (?:you|your company|this company|this business"
    r"|y'all)",
    r"shut up",
    r"spam|spammer|scam|scammer|scams|harassment|harass|harassing",
    r"(?:i'm|i am|i'll|i will|gonna|going to|i'm going to) (?:block|blocking|report"
    r"|reporting) (?:you|this number|your number|this|the number|ya)",
    r"fcc|ftc|tcpa|dnc|do not call list|do not call registry",
    r"(?:cancel|end|stop) (?:my|the|this) (?:subscription|membership)",
    # Lasso only texts, but "never call me again" is about contact all the same.
    r"(?:don't|do not|never)(?: ever)? call(?: me| us| this number)?(?: again| anymore"
    r"| ever again)",
    r"no more calls",
)
# Whole texts that decline the offer: "No thanks", "nah I'm good".
DECLINES = (
    r"^(?:no|nah|nope)(?: thanks| thank you)(?: (?:i'm|we're|i am|we are) (?:good|all set"
    r"|fine|ok))?$",
    r"^(?:no|nah|nope) (?:i'm|we're|i am|we are) (?:good|all set|fine|ok)(?: thanks"
    r"| thank you)?$",
)
# Mentioned in passing, these still deserve a look.
REVOCATION_MENTIONS = _list("""
    unsubscribe | unsubscribed | unsubscribing | optout | opt out | opted out | opting out
    | revoke | revoked | revoking | stopall
""")
STOP_SIGN_EMOJI = frozenset("🛑✋🚫⛔🤚🙅")

# How people type: one word for another, applied before any rule.
SPELLINGS = {
    **dict.fromkeys(_list("txt | tx"), "text"),
    **dict.fromkeys(_list("txts"), "texts"),
    **dict.fromkeys(_list("txting | textin | texing"), "texting"),
    **dict.fromkeys(_list("msg | mssg"), "message"),
    **dict.fromkeys(_list("msgs | messeges | mesages | messaes"), "messages"),
    **dict.fromkeys(_list("u | ya"), "you"),
    "ur": "your",
    "r": "are",
    **dict.fromkeys(_list("pls | plz | plse | pleas | plez | pleez"), "please"),
    **dict.fromkeys(_list("thx | thnx | thanx | tks | ty"), "thanks"),
    **dict.fromkeys(_list("k | kk | okay | okey | okie"), "ok"),
    **dict.fromkeys(_list("dont | dnt"), "don't"),
    "didnt": "didn't",
    "doesnt": "doesn't",
    "wont": "won't",
    "cant": "can't",
    "isnt": "isn't",
    "aint": "ain't",
    "arent": "aren't",
    "wasnt": "wasn't",
    "havent": "haven't",
    "im": "i'm",
    "ive": "i've",
    "ill": "i'll",
    "id": "i'd",
    "youre": "you're",
    "youve": "you've",
    "whos": "who's",
    "thats": "that's",
    "theres": "there's",
    **dict.fromkeys(_list("stpo | sotp | stopp | st0p | sop | stoo"), "stop"),
    **dict.fromkeys(
        _list("""
        unsub | unsubcribe | unsubscibe | unsuscribe | unsubscrib | unsubsribe | usubscribe
        | unsubscriibe
        """),
        "unsubscribe",
    ),
    **dict.fromkeys(_list("cancle | cancell"), "cancel"),
    **dict.fromkeys(
        _list("numbr | nmbr | # | num | numer | nunber | numbet | numberr"),
        "number",
    ),
    **dict.fromkeys(_list("wrng | worng | wromg | wrongg"), "wrong"),
}

SHORT_MESSAGE_WORDS = 15

# Other scripts' letters that look Latin (Cyrillic, Greek), mapped only in words that become
# entirely Latin, so Russian or Greek text is left as it is.
_LOOKALIKES = str.maketrans(
    "АВЕКМНОРСТХУЅІЈаеорсухѕіјԁһΑΒΕΖΗΙΚΜΝΟΡΤΥΧορ",
    "ABEKMHOPCTXYSIJaeopcyxsijdhABEZHIKMNOPTYXop",
)
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'", "＇": "'"})
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_CLAUSE_BREAK = re.compile(r"([.!?;:,\n\r…—–()\[\]]+|\s-+\s)")
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*|#")
_SPELLED_OUT = re.compile(r"(?<![^\W_])(?:[^\W\d_][ .]){2,}[^\W\d_](?![^\W_])")
_REPEATS = re.compile(r"(.)\1{2,}")


# ============================================================================================
# Reading a text
# ============================================================================================


@dataclass(frozen=True)
class Clause:
    words: tuple[str, ...]  # normalised
    raw: tuple[str, ...]  # as typed (case kept), one per word
    question: bool  # ended with "?"

    @property
    def text(self) -> str:
        return " ".join(self.words)


@dataclass(frozen=True)
class Reading:
    clauses: tuple[Clause, ...]

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(w for c in self.clauses for w in c.words)

    @property
    def text(self) -> str:
        return " ".join(self.words)


def _vocabulary() -> frozenset[str]:
    """Every word some rule looks for, so "stoppp" becomes "stop" but "sooo" stays."""
    sources: tuple[Iterable[str], ...] = (
        STANDARD_OPT_OUT,
        STANDARD_OPT_IN,
        STANDARD_HELP,
        REVOCATION_CORES,
        STOP_CORES,
        WEAK_CORES,
        VAGUE_OBJECTS,
        OPT_IN_CORES,
        LEAD_COURTESY,
        TRAIL_COURTESY,
        ASKING_US,
        OWN_INTENT,
        TAIL_LEADS,
        SENT_THINGS,
        CONTACT_GERUNDS,
        STOP_VERBS,
        CONTACT_VERBS,
        CONTACT_OBJECTS,
        PLAIN_REVOCATIONS,
        MY_NUMBER,
        LIST_NOUNS,
        WRONG_NUMBER_FRAME,
        SPELLINGS,
        SPELLINGS.values(),
    )
    return frozenset(word for source in sources for phrase in source for word in phrase.split())


_VOCABULARY = _vocabulary()


def _normal_word(word: str) -> str:
    word = word.lower()
    if _REPEATS.search(word) and word not in _VOCABULARY:
        for squeezed in (_REPEATS.sub(r"\1\1", word), _REPEATS.sub(r"\1", word)):
            if squeezed in _VOCABULARY:
                word = squeezed
                break
    return SPELLINGS.get(word, word)


def _unlookalike(word: str) -> str:
    mapped = word.translate(_LOOKALIKES)
    return mapped if mapped.isascii() else word


def _plain(body: str) -> str:
    """Compatibility forms, lookalikes, accents and invisible characters folded; case kept."""
    text = unicodedata.normalize("NFKC", body.translate(_APOSTROPHES))
    text = _INVISIBLE.sub("", text.translate(_APOSTROPHES))
    text = " ".join(_unlookalike(w) for w in text.split(" "))
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def _join_spelled_out(text: str) -> str:
    """ "S T O P" and "S.T.O.P." become STOP, but only when that spells a keyword."""
    known = STANDARD_OPT_OUT | STANDARD_OPT_IN | STANDARD_HELP

    def join(match: re.Match[str]) -> str:
        letters = re.sub(r"[ .]", "", match.group(0))
        return letters if letters.lower() in known else match.group(0)

    return _SPELLED_OUT.sub(join, text)


def read(body: str) -> Reading:
    """A text as normalised words in clauses."""
    parts = _CLAUSE_BREAK.split(_join_spelled_out(_plain(body)))
    clauses = []
    for i in range(0, len(parts), 2):
        raw = tuple(_TOKEN.findall(parts[i]))
        if raw:
            ending = parts[i + 1] if i + 1 < len(parts) else ""
            words = tuple(_normal_word(w) for w in raw)
            clauses.append(Clause(words=words, raw=raw, question="?" in ending))
    return Reading(clauses=tuple(clauses))


# ============================================================================================
# Cores: a clause without the courtesy around it
# ============================================================================================


@dataclass(frozen=True)
class Core:
    words: tuple[str, ...]
    asking_us: bool = False  # "can you ...", "I want you to ..."
    own_intent: bool = False  # "I need to ...", "how do I ..."
    start: int = 0  # how many of the clause's words came before the core

    @property
    def text(self) -> str:
        return " ".join(self.words)


def _by_length(items: Iterable[str]) -> list[tuple[str, ...]]:
    return sorted((tuple(p.split()) for p in items), key=len, reverse=True)


_LEADS = (
    ("asking", _by_length(ASKING_US)),
    ("intent", _by_length(OWN_INTENT)),
    ("courtesy", _by_length(LEAD_COURTESY)),
)
_TRAILS = _by_length(TRAIL_COURTESY)
_COURTESY = set(_by_length(LEAD_COURTESY)) | set(_TRAILS)


def _lead(words: tuple[str, ...]) -> tuple[str, int] | None:
    for kind, phrases in _LEADS:
        for phrase in phrases:
            if len(words) > len(phrase) and words[: len(phrase)] == phrase:
                return kind, len(phrase)
    return None


def _trail(words: tuple[str, ...]) -> int:
    for phrase in _TRAILS:
        if len(words) > len(phrase) and words[-len(phrase) :] == phrase:
            return len(phrase)
    return 0


def core_of(words: tuple[str, ...]) -> Core:
    total, kinds = len(words), set()
    while lead := _lead(words):
        kinds.add(lead[0])
        words = words[lead[1] :]
    start = total - len(words)
    while cut := _trail(words):
        words = words[:-cut]
    if words in _COURTESY:  # "ok", "thanks": nothing left
        words = ()
    deduped = tuple(w for i, w in enumerate(words) if i == 0 or w != words[i - 1])
    return Core(deduped, "asking" in kinds, "intent" in kinds, start)


class Strength(StrEnum):
    REVOCATION = "revocation"  # unsubscribe, opt out, remove me
    STOP = "stop"
    WEAK = "weak"  # cancel, end, quit
    VAGUE = "vague"  # cancel that


def keyword_strength(core: Core) -> Strength | None:
    text = core.text
    if text in REVOCATION_CORES:
        return Strength.REVOCATION
    if text in STOP_CORES:
        return Strength.STOP
    if text in WEAK_CORES:
        return Strength.WEAK
    for obj in NUMBER_OBJECTS:
        head = text.removesuffix(" " + obj)
        if head != text and head in REVOCATION_CORES | STOP_CORES | WEAK_CORES | NUMBER_VERBS:
            return Strength.REVOCATION
    *head_words, last = core.words or ("",)
    head = " ".join(head_words)
    if head_words and last in VAGUE_OBJECTS:
        if head in REVOCATION_CORES | STOP_CORES:
            return Strength.STOP
        if head in WEAK_CORES:
            return Strength.VAGUE
    return None


# ============================================================================================
# Rules. Each returns a Finding or None; the first opt-out wins, then the first possible one.
# ============================================================================================


@dataclass(frozen=True)
class Finding:
    intent: Intent
    rule: str
    evidence: str  # the words that fired the rule


@dataclass(frozen=True)
class Verdict:
    """What a text was taken to mean, and which rule said so."""

    intent: Intent
    rule: str
    evidence: str

    @property
    def reason(self) -> str:
        return RULES[self.rule]

    def __str__(self) -> str:
        quoted = f' "{self.evidence}"' if self.evidence else ""
        return f"{self.intent} by {self.rule}{quoted}: {self.reason}"


RULES: dict[str, str] = {
    "keyword": "the whole text is opt-out keywords or a revocation, with courtesy words",
    "revocation-request": "asks to unsubscribe / opt out / be removed",
    "stop-asked": "asks us to stop",
    "stop-clause": "a clause of a short text is a stop keyword",
    "stop-clause-long": "a long text has a stop keyword as a clause: a person should read it",
    "stop-intent": "the customer wants to stop something, maybe not the texts",
    "keyword-among-words": "cancel / end / quit beside other words may mean an appointment",
    "keyword-vague-object": "cancel / end / quit 'that' may mean an appointment",
    "stop-contact": "tells us to stop texting / contacting",
    "no-contact": "tells us not to text / contact",
    "no-contact-for-now": "limits when we may text rather than ending it",
    "plain-revocation": "a plain-language revocation",
    "unwanted-texts": "says the texts are not wanted",
    "off-the-list": "asks to be taken off our list",
    "off-something": "asks to be taken off something that may be our list",
    "wrong-number": "says we have the wrong number",
    "wrong-number-unclear": "mentions a wrong number in a question or among other words",
    "not-this-person": "says the number is not the person we think",
    "maybe-not-this-person": "may say the number is not the person we think",
    "consent-doubt": "doubts our consent or objects to being contacted",
    "declined": "declines the offer",
    "mention": "mentions unsubscribing / opting out in passing",
    "stop-sign": "nothing but stop-sign emoji",
    "help-keyword": "the whole text is HELP or INFO",
    "opt-in-keyword": "the whole text is START / UNSTOP / YES or asks to resubscribe",
    "no-words": "no words at all",
    "ordinary": "no rule matched: an ordinary reply",
}


def _any(items: Iterable[str]) -> str:
    return "(?:" + "|".join(re.escape(i) for i in sorted(items, key=len, reverse=True)) + ")"


def _words_re(pattern: str) -> re.Pattern[str]:
    """A pattern over space-separated words that only matches whole words."""
    return re.compile(rf"(?<!\S)(?:{pattern})(?!\S)")


def _word_before(text: str, start: int) -> str:
    before = text[:start].split()
    return before[-1] if before else ""


def _word_after(text: str, end: int) -> str:
    after = text[end:].split()
    return after[0] if after else ""


_STOP = _any(STOP_VERBS)
_STOP_CONTACT = _words_re(
    rf"{_STOP}(?: all)?(?: the)? {_any(CONTACT_GERUNDS)}"
    rf"|{_STOP} (?:text|message)(?: {_any(CONTACT_OBJECTS)})?$"
    rf"|{_STOP} sending(?: me| us)?(?: (?:any more|anymore|any|these|those|the|your|all"
    rf"|all these|all the|all your|more))?(?: {_any(SENT_THINGS)}|$)"
    rf"|(?:{_STOP}|end|cancel|block|enough)(?: all| with)?(?: the| these| those| your"
    rf"| all the| all these| all your| any| my| all of these| all of your)?"
    rf" {_any(MESSAGE_NOUNS)}"
    # "these texts need to stop", "make the texts stop", "I want the messages to end"
    rf"|(?:make (?:the |these |your |all )?)?(?:{_any(MESSAGE_NOUNS)}|texting|calls and texts"
    r"|texts and calls)(?: (?:need|needs|have|has|got) to| must| gotta| to| should| better)"
    r" (?:stop|end|cease)"
    rf"|make (?:the |these |your |all )?(?:{_any(MESSAGE_NOUNS)}|texting) (?:stop|end)"
)
_NO_CONTACT = _words_re(
    rf"(?:don't|do not|never|no longer)(?: ever| even)? (?:{_any(CONTACT_VERBS)}"
    rf"(?: {_any(CONTACT_OBJECTS)})?|(?:bother|harass|spam) {_any(CONTACT_OBJECTS)})"
)
_PLAIN = _words_re(_any(PLAIN_REVOCATIONS))
_UNWANTED = [_words_re(p) for p in UNWANTED]
_OFF = _words_re(
    rf"{_any(REMOVE_VERBS)} {_any(MY_NUMBER)} (?:off|from|out of)"
    r"|(?:unsubscribe|opt out|opt me out)(?: me| us| my number)? (?:of|from)"
)
_WRONG = [_words_re(p) for p in WRONG_NUMBER]
_NOT_PERSON = [(re.compile(p), lower_case_counts) for p, lower_case_counts in NOT_THIS_PERSON]
_NOT_PERSON_PLAIN = [_words_re(p) for p in NOT_THIS_PERSON_PLAIN]
_DOUBTS = [_words_re(p) for p in CONSENT_DOUBTS]
_DECLINES = [re.compile(p) for p in DECLINES]
_MENTIONS = _words_re(_any(REVOCATION_MENTIONS))


def _addressed_to_us(text: str, start: int) -> bool:
    before = _word_before(text, start)
    return before not in NEGATORS and before not in OTHER_SUBJECTS


def _keyword_finding(strength: Strength | None, core: Core, short: bool) -> Finding | None:
    """What a keyword core means as one clause among others."""
    evidence = core.text
    if strength == Strength.REVOCATION:
        return Finding(Intent.OPT_OUT, "revocation-request", evidence)
    if strength == Strength.STOP and core.own_intent:
        return Finding(Intent.POSSIBLE_OPT_OUT, "stop-intent", evidence)
    if strength == Strength.STOP and core.asking_us:
        return Finding(Intent.OPT_OUT, "stop-asked", evidence)
    if strength == Strength.STOP and short:
        return Finding(Intent.OPT_OUT, "stop-clause", evidence)
    if strength == Strength.STOP:
        return Finding(Intent.POSSIBLE_OPT_OUT, "stop-clause-long", evidence)
    if strength == Strength.VAGUE:
        return Finding(Intent.POSSIBLE_OPT_OUT, "keyword-vague-object", evidence)
    if strength == Strength.WEAK:
        return Finding(Intent.POSSIBLE_OPT_OUT, "keyword-among-words", evidence)
    return None


def _keyword_at_edge(core: Core, short: bool) -> list[Finding]:
    """ "... so please stop" and "STOP I don't need this": a keyword at a clause's edge."""
    words, edges = core.words, []
    if len(words) >= 2 and words[-2] in TAIL_LEADS:
        edges.append((words[-1], " ".join(words[-2:])))
    if len(words) >= 2 and words[1] in RUN_ON_STARTERS:
        edges.append((words[0], " ".join(words[:2])))
    findings = []
    for keyword, evidence in edges:
        alone = Core((keyword,))
        finding = _keyword_finding(keyword_strength(alone), alone, short)
        if finding:
            findings.append(Finding(finding.intent, finding.rule, evidence))
    return findings


def rule_keyword(reading: Reading) -> Finding | None:
    """Keywords as the whole text, as a clause, ending a clause, or opening a run-on."""
    cores = [core for core in map(core_of, (c.words for c in reading.clauses)) if core.words]
    strengths = [keyword_strength(core) for core in cores]
    whole_text_is_keywords = cores and all(
        strength in {Strength.REVOCATION, Strength.STOP, Strength.WEAK}
        and not core.own_intent
        and not (core.asking_us and strength == Strength.WEAK)
        for strength, core in zip(strengths, cores, strict=True)
    )
    if whole_text_is_keywords:
        return Finding(Intent.OPT_OUT, "keyword", " / ".join(core.text for core in cores))
    short = len(reading.words) <= SHORT_MESSAGE_WORDS
    findings: list[Finding | None] = []
    for strength, core in zip(strengths, cores, strict=True):
        if strength is None:
            findings.extend(_keyword_at_edge(core, short))
        else:
            findings.append(_keyword_finding(strength, core, short))
    return _strongest(findings)


def rule_stop_contact(reading: Reading) -> Finding | None:
    for clause in reading.clauses:
        for match in _STOP_CONTACT.finditer(clause.text):
            if _addressed_to_us(clause.text, match.start()):
                return Finding(Intent.OPT_OUT, "stop-contact", match.group(0))
    return None


def rule_no_contact(reading: Reading) -> Finding | None:
    limited = None
    for clause in reading.clauses:
        text = clause.text
        for match in _NO_CONTACT.finditer(text):
            before = _word_before(text, match.start())
            after = _word_after(text, match.end())
            if before in OTHER_SUBJECTS or (before == "you" and "never" in match.group(0)):
                continue  # "I don't text", "you never text me back"
            if after == "back":
                continue
            if after in TIME_LIMITS:
                evidence = f"{match.group(0)} {after}"
                limited = limited or Finding(
                    Intent.POSSIBLE_OPT_OUT, "no-contact-for-now", evidence
                )
                continue
            return Finding(Intent.OPT_OUT, "no-contact", match.group(0))
    return limited


def rule_plain_revocation(reading: Reading) -> Finding | None:
    for clause in reading.clauses:
        for match in _PLAIN.finditer(clause.text):
            if _word_before(clause.text, match.start()) not in NEGATORS:
                return Finding(Intent.OPT_OUT, "plain-revocation", match.group(0))
        for pattern in _UNWANTED:
            match = pattern.search(clause.text)
            if match and _word_before(clause.text, match.start()) not in OTHER_SUBJECTS - {"i"}:
                return Finding(Intent.OPT_OUT, "unwanted-texts", match.group(0))
    return None


def rule_off_the_list(reading: Reading) -> Finding | None:
    """ "Take me off your list" is a revocation; "take me off the schedule" is not."""
    possible = None
    for clause in reading.clauses:
        text = clause.text
        for match in _OFF.finditer(text):
            if not _addressed_to_us(text, match.start()):
                continue
            rest = text[match.end() :].split()[:5]
            evidence = " ".join([match.group(0), *rest])
            if WORK_NOUNS & set(rest):
                continue
            if not rest or LIST_NOUNS & set(rest):
                return Finding(Intent.OPT_OUT, "off-the-list", evidence)
            possible = possible or Finding(Intent.POSSIBLE_OPT_OUT, "off-something", evidence)
    return possible


def rule_wrong_number(reading: Reading) -> Finding | None:
    unclear = None
    for clause in reading.clauses:
        text = clause.text
        for pattern in _WRONG:
            match = pattern.search(text)
            if not match:
                continue
            before = set(text[: match.start()].split())
            after = text[match.end() :].split()
            only_that = before | set(after) <= WRONG_NUMBER_FRAME
            run_on = before <= WRONG_NUMBER_FRAME and after and after[0] in RUN_ON_STARTERS
            if (only_that or run_on) and not clause.question:
                return Finding(Intent.OPT_OUT, "wrong-number", match.group(0))
            unclear = unclear or Finding(
                Intent.POSSIBLE_OPT_OUT, "wrong-number-unclear", match.group(0)
            )
    return unclear


def rule_not_this_person(reading: Reading) -> Finding | None:
    maybe = None
    for clause in reading.clauses:
        for pattern in _NOT_PERSON_PLAIN:
            match = pattern.search(clause.text)
            if match:
                return Finding(Intent.OPT_OUT, "not-this-person", match.group(0))
        core = core_of(clause.words)
        for pattern, lower_case_counts in _NOT_PERSON:
            match = pattern.search(core.text)
            if not match or match.group("name").removesuffix("'s") in NOT_NAMES:
                continue
            # A name is typed with a capital; "this isn't bob" may be a name or a word.
            index = core.start + core.text[: match.start("name")].count(" ")
            typed = clause.raw[index] if index < len(clause.raw) else ""
            if typed[:1].isupper():
                return Finding(Intent.OPT_OUT, "not-this-person", match.group(0))
            if lower_case_counts:
                evidence = match.group(0)
                maybe = maybe or Finding(Intent.POSSIBLE_OPT_OUT, "maybe-not-this-person", evidence)
    return maybe


def rule_consent_doubt(reading: Reading) -> Finding | None:
    for clause in reading.clauses:
        for pattern in _DOUBTS:
            match = pattern.search(clause.text)
            if match:
                return Finding(Intent.POSSIBLE_OPT_OUT, "consent-doubt", match.group(0))
    for pattern in _DECLINES:
        if pattern.search(reading.text):
            return Finding(Intent.POSSIBLE_OPT_OUT, "declined", reading.text)
    return None


def rule_mention(reading: Reading) -> Finding | None:
    for clause in reading.clauses:
        match = _MENTIONS.search(clause.text)
        if match:
            return Finding(Intent.POSSIBLE_OPT_OUT, "mention", match.group(0))
    return None


OPT_OUT_RULES: tuple[Callable[[Reading], Finding | None], ...] = (
    rule_keyword,
    rule_stop_contact,
    rule_no_contact,
    rule_plain_revocation,
    rule_off_the_list,
    rule_wrong_number,
    rule_not_this_person,
    rule_consent_doubt,
    rule_mention,
)


def _strongest(findings: Iterable[Finding | None]) -> Finding | None:
    found = [f for f in findings if f is not None]
    opt_outs = [f for f in found if f.intent == Intent.OPT_OUT]
    return (opt_outs or found or [None])[0]


def _opt_in(reading: Reading) -> Finding | None:
    cores = [core for core in map(core_of, (c.words for c in reading.clauses)) if core.words]
    # "Can you start texting me again" asks for texts; "can you start?" asks about the work.
    if cores and all(
        (core.text in OPT_IN_CORES or set(core.words) <= STANDARD_OPT_IN)
        and not core.own_intent
        and not (core.asking_us and core.text in STANDARD_OPT_IN)
        for core in cores
    ):
        return Finding(Intent.OPT_IN, "opt-in-keyword", " / ".join(core.text for core in cores))
    return None


def _bare_words(body: str) -> list[str]:
    """Words as carriers see them: case and punctuation aside, nothing else guessed."""
    return [w.lower() for w in _TOKEN.findall(_plain(body))]


# ============================================================================================
# The public face
# ============================================================================================


def is_bare_keyword(body: str) -> bool:
    """The whole message is one standard keyword (punctuation aside): the kind Twilio's own
    opt-out handling answers by itself."""
    words = _bare_words(body)
    return len(words) == 1 and words[0] in STANDARD_OPT_OUT | STANDARD_OPT_IN | STANDARD_HELP


def explain(body: str) -> Verdict:
    """The intent of a text and the rule that decided it."""
    reading = read(body)
    if not reading.words:
        if set(body) & STOP_SIGN_EMOJI:
            return Verdict(Intent.POSSIBLE_OPT_OUT, "stop-sign", body.strip())
        return Verdict(Intent.MESSAGE, "no-words", "")
    finding = _strongest(rule(reading) for rule in OPT_OUT_RULES)
    if finding is None:
        # HELP is what carriers answer: the keyword alone, not "help me" or "helppp".
        bare = _bare_words(body)
        if len(bare) == 1 and bare[0] in STANDARD_HELP:
            finding = Finding(Intent.HELP, "help-keyword", bare[0])
        else:
            finding = _opt_in(reading)
    if finding is None:
        return Verdict(Intent.MESSAGE, "ordinary", "")
    return Verdict(finding.intent, finding.rule, finding.evidence)


def classify(body: str) -> Intent:
    return explain(body).intent
