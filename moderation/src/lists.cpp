// Curated by the Circles project for school peer-support rooms; same licence as the project.
// Principles: whole words (with listed inflections) over substrings, so "Scunthorpe",
// "assessment", "cocktail" and "therapist" pass; no identity term anywhere in a ground-rule
// list; risk phrases favour recall (a counselor reads every escalation), ground rules favour
// precision.
#include "lists.hpp"

#include <array>

namespace circles::moderation::lists {
namespace {

using sv = std::string_view;

constexpr std::array profanity{
    sv{"fuck*"},    sv{"*fucker"}, sv{"*fucking"}, sv{"motherf*"},  sv{"fck"},
    sv{"fk"},       sv{"fuk*"},    sv{"wtf"},      sv{"stfu"},      sv{"shit"},
    sv{"shits"},    sv{"shitty"},  sv{"shithead"}, sv{"bullshit"},  sv{"horseshit"},
    sv{"dipshit"},  sv{"bitch"},   sv{"bitches"},  sv{"bitching"},  sv{"bitchy"},
    sv{"ass"},      sv{"asses"},   sv{"asshole*"}, sv{"arse"},      sv{"arsehole*"},
    sv{"jackass"},  sv{"dick"},    sv{"dicks"},    sv{"dickhead*"}, sv{"cunt*"},
    sv{"twat*"},    sv{"wank*"},   sv{"bastard*"}, sv{"piss"},      sv{"pissed"},
    sv{"bollocks"}, sv{"damnit"},  sv{"goddamn*"}};
constexpr std::array profanity_allow{sv{"dick van dyke"}, sv{"moby dick"}, sv{"dick tracy"},
                                     sv{"pissed off"}};

constexpr std::array sexual{sv{"porn*"},     sv{"nudes"},    sv{"send nudes"},  sv{"nude pics"},
                            sv{"dick pic*"}, sv{"blowjob*"}, sv{"blow job*"},   sv{"handjob*"},
                            sv{"hand job*"}, sv{"jerk off"}, sv{"jerking off"}, sv{"horny"},
                            sv{"sext*"},     sv{"cum"},      sv{"cumming"},     sv{"boobs"},
                            sv{"tits"},      sv{"titties"},  sv{"slut*"},       sv{"whore*"},
                            sv{"hoe"},       sv{"hoes"},     sv{"onlyfans"}};
constexpr std::array sexual_allow{sv{"cum laude"}, sv{"magna cum"}, sv{"summa cum"},
                                  sv{"sextet*"},   sv{"sextant*"},  sv{"sextans"},
                                  sv{"sexton*"},   sv{"garden hoe"}};

constexpr std::array slurs{sv{"nigger*"},    sv{"nigga"},   sv{"niggas"},   sv{"niggaz"},
                           sv{"faggot*"},    sv{"fag"},     sv{"fags"},     sv{"faggy"},
                           sv{"dyke"},       sv{"dykes"},   sv{"tranny"},   sv{"trannies"},
                           sv{"shemale*"},   sv{"retard"},  sv{"retards"},  sv{"retarded"},
                           sv{"spic"},       sv{"spics"},   sv{"chink"},    sv{"chinks"},
                           sv{"kike"},       sv{"kikes"},   sv{"wetback*"}, sv{"raghead*"},
                           sv{"towelhead*"}, sv{"gook"},    sv{"gooks"},    sv{"paki"},
                           sv{"pakis"},      sv{"beaner*"}, sv{"spaz"},     sv{"spazz*"},
                           sv{"mongoloid*"}, sv{"sand n*"}, sv{"coon"},     sv{"coons"}};
constexpr std::array slurs_allow{sv{"van dyke"}, sv{"dick van dyke"}, sv{"dyke marsh"}};

constexpr std::array insults{sv{"loser"},        sv{"losers"},      sv{"idiot"},     sv{"idiots"},
                             sv{"moron*"},       sv{"dumbass*"},    sv{"fatass*"},   sv{"fatso"},
                             sv{"freak"},        sv{"weirdo"},      sv{"nerd"},      sv{"ugly"},
                             sv{"stupid"},       sv{"pathetic"},    sv{"worthless"}, sv{"shut up"},
                             sv{"nobody cares"}, sv{"no one cares"}};
constexpr std::array insults_allow{sv{"control freak"}, sv{"ugly sweater"}, sv{"i feel stupid"},
                                   sv{"i m stupid"},    sv{"im stupid"},    sv{"feel worthless"},
                                   sv{"i m worthless"}, sv{"im worthless"}, sv{"i feel ugly"}};

constexpr std::array protected_list{sv{"gay"},
                                    sv{"gays"},
                                    sv{"lesbian"},
                                    sv{"lesbians"},
                                    sv{"bi"},
                                    sv{"bisexual"},
                                    sv{"trans"},
                                    sv{"transgender"},
                                    sv{"trans man"},
                                    sv{"trans woman"},
                                    sv{"queer"},
                                    sv{"nonbinary"},
                                    sv{"non-binary"},
                                    sv{"enby"},
                                    sv{"genderqueer"},
                                    sv{"genderfluid"},
                                    sv{"agender"},
                                    sv{"asexual"},
                                    sv{"ace"},
                                    sv{"aromantic"},
                                    sv{"aro"},
                                    sv{"intersex"},
                                    sv{"pansexual"},
                                    sv{"pan"},
                                    sv{"two-spirit"},
                                    sv{"questioning"},
                                    sv{"lgbt"},
                                    sv{"lgbtq"},
                                    sv{"lgbtq+"},
                                    sv{"lgbtqia"},
                                    sv{"homosexual"},
                                    sv{"sexuality"},
                                    sv{"disabled"},
                                    sv{"disability"},
                                    sv{"autistic"},
                                    sv{"autism"},
                                    sv{"deaf"},
                                    sv{"hard of hearing"},
                                    sv{"blind"},
                                    sv{"visually impaired"},
                                    sv{"adhd"},
                                    sv{"dyslexic"},
                                    sv{"dyslexia"},
                                    sv{"dyspraxic"},
                                    sv{"epileptic"},
                                    sv{"diabetic"},
                                    sv{"neurodivergent"},
                                    sv{"wheelchair"},
                                    sv{"wheelchair user"},
                                    sv{"muslim"},
                                    sv{"jewish"},
                                    sv{"jew"},
                                    sv{"christian"},
                                    sv{"catholic"},
                                    sv{"hindu"},
                                    sv{"sikh"},
                                    sv{"buddhist"},
                                    sv{"atheist"},
                                    sv{"black"},
                                    sv{"white"},
                                    sv{"asian"},
                                    sv{"latina"},
                                    sv{"latino"},
                                    sv{"latinx"},
                                    sv{"hispanic"},
                                    sv{"indigenous"},
                                    sv{"native american"},
                                    sv{"arab"},
                                    sv{"mexican"},
                                    sv{"african american"},
                                    sv{"immigrant"},
                                    sv{"refugee"},
                                    sv{"undocumented"}};
constexpr std::array templates{
    sv{"{}"},           sv{"i am {}"},  sv{"i'm {} and proud"}, sv{"i am a {} student"},
    sv{"my {} friend"}, sv{"we are {}"}};

constexpr risk_entry risk[] = {
    // self_harm: intent, ideation, indirect goodbyes, methods and means.
    {"self_harm", "(kill|killing|killin|kil) (myself|my self|myslef|meself)"},
    {"self_harm", "(kms|unalive|unaliving|unalived)"},
    {"self_harm", "(suicide|suicidal|sucidal|suicde)"},
    {"self_harm", "(want|wanna|wana|going|gonna|trying|try) (to |2 |)(die|be dead)"},
    {"self_harm", "i (should|could|deserve to|just want to|wanna) (just |)die"},
    {"self_harm", "(rather be|better off|wish i was|wish i were|should be) dead"},
    {"self_harm", "(wish|hope) i (was|were|wasn't|wasnt) (dead|alive|gone|never born)"},
    {"self_harm", "(don't|dont|do not|hope i don't|hope i dont) (want to |wanna |)wake up"},
    {"self_harm", "(never|not) wake up"},
    {"self_harm", "(sleep|go to sleep) forever"},
    {"self_harm", "(don't|dont|do not) (want to|wanna|wana) (live|be alive|exist|be here)"},
    {"self_harm", "(tired of|done with) (being alive|living|life)"},
    {"self_harm", "(no point|no reason) (in|for me to|to) (living|live|keep going|go on)"},
    {"self_harm", "(not|isn't|isnt|aint) worth living"},
    {"self_harm", "(won't|wont|will not) be (around|here|a problem|a burden)"},
    {"self_harm", "(burden to everyone|a burden anymore|burden to my family)"},
    {"self_harm", "better off (without me|if i was gone|if i were gone|if i died)"},
    {"self_harm", "(better|happier) if i (was|were) (gone|dead)"},
    {"self_harm", "(care|notice|miss me) if i (died|was gone|were gone|disappeared)"},
    {"self_harm", "(end|ending|ended) (it all|my life|myself|it tonight|it tn)"},
    {"self_harm", "(to|gonna|going to|want to|wanna|just) end it"},
    {"self_harm", "(disappear|dissapear|disapear) forever"},
    {"self_harm", "(can't|cant|cannot) (do this|keep going|go on) (anymore|any more)"},
    {"self_harm", "how much longer i can"},
    {"self_harm", "(suicide note|goodbye letter*|goodbye note*|my goodbye to|goodbye everyone)"},
    {"self_harm", "last time you'll hear from me"},
    {"self_harm", "(giving|give) away (all |)my stuff"},
    {"self_harm", "(my last|last one|last day|last night|last week) alive"},
    {"self_harm", "(picked|chose|set) a date"},
    {"self_harm", "(have|got|made) a plan to"},
    {"self_harm",
     "(cut|cutting|cuttin|burn|burning|hurt|hurting|harm|harming) (myself|my self|myslef|my "
     "wrists|my arm*|my leg*)"},
    {"self_harm", "(started|start|been|keep) (cutting|cuttin|burning|hurting) (again|myself)"},
    {"self_harm", "(cutting|cuttin|cut|cuts) (again|deeper)"},
    {"self_harm", "(self harm*|selfharm*|self-harm*|self injur*)"},
    {"self_harm", "(relapsed|relapse) on"},
    {"self_harm", "(my|all my|the|these|bunch of|of|20|enough) (pills|meds|medication|tablets)"},
    {"self_harm",
     "(saving|stockpiling|hoarding|collecting) (up |)(my |)(pills|meds|medication|tablets)"},
    {"self_harm", "(whole bottle|entire bottle)"},
    {"self_harm", "(overdose|overdosing|overdosed|od ing|oding)"},
    {"self_harm",
     "(tylenol|acetaminophen|paracetamol|ibuprofen|excedrin|advil|aspirin|antifreeze|bleach)"},
    {"self_harm", "(rope|noose) (in|around|for)"},
    {"self_harm", "(tied|tie|tying) a (noose|rope)"},
    {"self_harm", "(hang|hanging) myself"},
    {"self_harm", "(jump|jumping) (off|in front|from)"},
    {"self_harm", "(standing|sitting) on the (roof|ledge|bridge)"},
    {"self_harm", "(slit|slitting|cut) my (wrists|wrist|throat)"},
    {"self_harm", "(razor|razor blade|blade|blades) (in my|for when)"},
    {"self_harm", "(on|against) myself"},
    {"self_harm", "i (want|wanna) it to stop for good"},
    // abuse_disclosure: someone harming the student.
    {"abuse_disclosure",
     "(hits|hit|beats|beat|hurts|hurt|kicks|kicked|slaps|slapped|punches|punched|chokes|choked|"
     "strangles|burns) me"},
    {"abuse_disclosure", "(touched|touches|touching|groped|gropes) me"},
    {"abuse_disclosure", "(raped|rape|raping|molested|molests|molesting)"},
    {"abuse_disclosure", "(sexually|physically) (abused|assaulted|abusing|assaulting)"},
    {"abuse_disclosure", "(abused|abuses|abusing) me"},
    {"abuse_disclosure", "forced me to"},
    {"abuse_disclosure", "(not to|don't|dont|never) tell (anyone|anybody|my|a)"},
    {"abuse_disclosure", "told me not to tell"},
    {"abuse_disclosure", "our secret"},
    {"abuse_disclosure", "no one would believe me"},
    {"abuse_disclosure", "(scared|afraid|terrified) to go home"},
    {"abuse_disclosure", "(locks|locked) me in"},
    {"abuse_disclosure", "(doesn't|doesnt|won't|wont) feed me"},
    {"abuse_disclosure", "(bruises|bruise|marks) from my"},
    {"abuse_disclosure", "kicked me out"},
    {"abuse_disclosure", "(threw|throws|pushed|shoved) me (against|into|down)"},
    {"abuse_disclosure", "comes into my room at night"},
    {"abuse_disclosure", "(asking|asks|asked) (me |)for (nudes|pics|pictures)"},
    {"abuse_disclosure", "(post|share|leak|send) my (pics|pictures|photos|nudes)"},
    {"abuse_disclosure", "(blackmailing|blackmail|blackmails|sextorting) me"},
    {"abuse_disclosure", "kill me if i (told|tell)"},
    {"abuse_disclosure", "(hurt|hurts) me again"},
    // violence_threat: harm to others.
    {"violence_threat", "(bring|bringing|brought|have|got) a (knife|gun|weapon)"},
    {"violence_threat", "(bring|bringing) (my|my dad's|my dads|his|a) (gun|knife|weapon|rifle)"},
    {"violence_threat", "(shoot|shooting) (up |)(the school|everyone|them|the people|him|her)"},
    {"violence_threat",
     "(going to|gonna|gunna|i'll|ill|i will|imma|ima|want to|wanna) "
     "(kill|stab|shoot|hurt|beat|jump|burn|bomb) (him|her|them|everyone|you|my|jake|the)"},
    {"violence_threat", "(stab|stabbed|stabbing) (him|her|them|you|jake)"},
    {"violence_threat", "(blow|blowing) up (the|our|my)"},
    {"violence_threat", "(burn|burning) (the|his|her|their) (school|house|place) down"},
    {"violence_threat", "set (his|her|their|the) (house|car|school) on fire"},
    {"violence_threat", "(make|making) them (all |)pay"},
    {"violence_threat", "(is|are) going to get hurt"},
    {"violence_threat", "(list|lists) of people"},
    {"violence_threat", "(use|using) it on (him|her|them)"},
    {"violence_threat", "(don't|dont) come to school"},
    {"violence_threat", "until (he|she|they) (stops|stop) breathing"},
    {"violence_threat", "i know where (he|she|you|they) (lives|live)"},
    {"violence_threat", "(hurt|kill) (them|you) all"},
    // severe_bullying: telling someone to harm themselves, exclusion campaigns.
    {"severe_bullying", "(kys|kill yourself|kill urself|kill ur self|kill yoself|killed yourself)"},
    {"severe_bullying", "(unalive|end|hang|cut|drown) (yourself|urself|ur self)"},
    {"severe_bullying", "(go|just|should|you should just|u should) die"},
    {"severe_bullying", "(hope|wish) (you|u) (die|died|were dead|was dead)"},
    {"severe_bullying", "(die in a hole|drink bleach|do everyone a favor and die)"},
    {"severe_bullying", "(jump off|go jump off) a (bridge|cliff|building)"},
    {"severe_bullying", "slit your (wrists|wrist|throat)"},
    {"severe_bullying", "(don't|dont|do not) deserve to live"},
    {"severe_bullying", "better (off |)without you"},
    {"severe_bullying", "(happier|better) if (you|u) (were|was) (dead|gone)"},
    {"severe_bullying", "if (you|u) (died|killed yourself)"},
    {"severe_bullying", "(nobody|no one|noone|no1) (wants|likes|loves) (you|u)"},
    {"severe_bullying", "(everyone|everybody) (hates|is laughing at) (you|u)"},
};

constexpr risk_entry risk_sym[] = {
    {"self_harm", "\xF0\x9F\x92\x8A"},  // pill
    {"self_harm", "\xF0\x9F\x94\xAA"},  // kitchen knife
    {"self_harm", "\xF0\x9F\xAA\xA2"},  // knot
    {"self_harm", "\xE2\x9A\xB0"},      // coffin
    {"self_harm", "\xF0\x9F\xA9\xB8"},  // drop of blood
};

}  // namespace

std::span<const std::string_view> category(std::string_view name) {
    if (name == "profanity") return profanity;
    if (name == "sexual") return sexual;
    if (name == "slurs") return slurs;
    if (name == "insults") return insults;
    return {};
}

std::span<const std::string_view> category_allow(std::string_view name) {
    if (name == "profanity") return profanity_allow;
    if (name == "sexual") return sexual_allow;
    if (name == "slurs") return slurs_allow;
    if (name == "insults") return insults_allow;
    return {};
}

std::span<const std::string_view> protected_terms() { return protected_list; }
std::span<const std::string_view> protected_templates() { return templates; }
std::span<const risk_entry> risk_phrases() { return risk; }
std::span<const risk_entry> risk_symbols() { return risk_sym; }

}  // namespace circles::moderation::lists
