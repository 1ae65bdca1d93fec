//! First classification of a post: a suggested category and priority, for French, English and
//! Antillean Creole. It is a suggestion for a volunteer, tuned so that a life-threatening post
//! is almost never missed (see the development set in `tests/data/devset.jsonl`).
//!
//! How it reads a post: weighted cues per category, found in one pass over the folded text.
//! A cue can be cancelled by a negation just before it ("pas de blessés", "pa ni moun blésé",
//! "no injuries"); advice to the public ("si vous êtes bloqués, appelez le 18") turns rescue
//! words into an official message; a resolved situation ("tout le monde va bien") lowers the
//! priority; forecasts ("risque d'inondation demain") are weather, not an observed hazard.

use crate::taxonomy::{Category, Priority};
use aho_corasick::{AhoCorasick, MatchKind};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    pub category: Category,
    pub priority: Priority,
}

/// What a cue says besides a category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cue {
    /// Evidence for a category, with a weight; `negatable` when "no X" means the opposite.
    Topic(Category, u8, bool),
    /// Life at risk right now.
    Urgent,
    /// Addressed to the public as advice or instruction.
    Advice,
    /// The situation is over (rescued, safe).
    Resolved,
    /// About the future: forecast, risk, expected.
    Forecast,
    /// No news of someone.
    NoNews,
    /// A medical need (insulin, oxygen, dialysis).
    Medical,
    /// A critical facility or a community cut off.
    Serious,
    /// Evacuation ordered.
    Evacuation,
    /// Cancels the cue just after it.
    Negation,
}

use Category as C;
use Cue::*;

/// Cues as folded words; a trailing `*` matches any word starting so.
const CUES: &[(&str, Cue)] = &[
    // --- rescue: people trapped, missing, in danger
    ("bloque*", Topic(C::Rescue, 3, true)),
    ("coince*", Topic(C::Rescue, 3, true)),
    ("piege*", Topic(C::Rescue, 4, true)),
    ("sur le toit", Topic(C::Rescue, 4, true)),
    ("sur leur toit", Topic(C::Rescue, 4, true)),
    ("sur son toit", Topic(C::Rescue, 4, true)),
    ("sur notre toit", Topic(C::Rescue, 4, true)),
    ("sur un toit", Topic(C::Rescue, 4, true)),
    ("au secours", Topic(C::Rescue, 5, false)),
    ("aidez nous", Topic(C::Rescue, 4, false)),
    ("aidez moi", Topic(C::Rescue, 4, false)),
    ("besoin de secours", Topic(C::Rescue, 5, false)),
    ("besoin d aide", Topic(C::Rescue, 2, false)),
    ("envoyez les secours", Topic(C::Rescue, 5, false)),
    ("envoyer des secours", Topic(C::Rescue, 5, false)),
    ("sos", Topic(C::Rescue, 4, false)),
    ("disparu*", Topic(C::Rescue, 4, true)),
    ("introuvable", Topic(C::Rescue, 3, true)),
    ("emporte par", Topic(C::Rescue, 4, true)),
    ("emportee par", Topic(C::Rescue, 4, true)),
    ("se noie", Topic(C::Rescue, 5, true)),
    ("noyade", Topic(C::Rescue, 4, true)),
    ("l eau monte", Topic(C::Rescue, 2, true)),
    ("l eau rentre", Topic(C::Rescue, 2, true)),
    ("eau jusqu", Topic(C::Rescue, 2, true)),
    ("encercle*", Topic(C::Rescue, 3, true)),
    ("isole* avec", Topic(C::Rescue, 2, true)),
    ("personnes agees seules", Topic(C::Rescue, 2, true)),
    ("trapped", Topic(C::Rescue, 4, true)),
    ("stuck", Topic(C::Rescue, 3, true)),
    ("stranded", Topic(C::Rescue, 3, true)),
    ("on the roof", Topic(C::Rescue, 4, true)),
    ("on their roof", Topic(C::Rescue, 4, true)),
    ("on our roof", Topic(C::Rescue, 4, true)),
    ("rooftop", Topic(C::Rescue, 4, true)),
    ("missing", Topic(C::Rescue, 4, true)),
    ("need rescue", Topic(C::Rescue, 5, false)),
    ("needs rescue", Topic(C::Rescue, 5, false)),
    ("need help", Topic(C::Rescue, 3, false)),
    ("please help", Topic(C::Rescue, 3, false)),
    ("send help", Topic(C::Rescue, 5, false)),
    ("rescue", Topic(C::Rescue, 2, true)),
    ("drowning", Topic(C::Rescue, 5, true)),
    ("swept away", Topic(C::Rescue, 4, true)),
    ("water rising", Topic(C::Rescue, 2, true)),
    ("water is rising", Topic(C::Rescue, 2, true)),
    ("cut off with", Topic(C::Rescue, 2, true)),
    ("bloke", Topic(C::Rescue, 4, true)),
    ("bloker", Topic(C::Rescue, 4, true)),
    ("anba dlo", Topic(C::Rescue, 2, true)),
    ("asi twati", Topic(C::Rescue, 4, true)),
    ("anle twati", Topic(C::Rescue, 4, true)),
    ("sou twati", Topic(C::Rescue, 4, true)),
    ("ede nou", Topic(C::Rescue, 4, false)),
    ("ed nou", Topic(C::Rescue, 4, false)),
    ("ede mwen", Topic(C::Rescue, 4, false)),
    ("an ka neye", Topic(C::Rescue, 5, false)),
    ("ka neye", Topic(C::Rescue, 5, true)),
    ("neye", Topic(C::Rescue, 3, true)),
    ("sekou", Topic(C::Rescue, 4, false)),
    ("pedi", Topic(C::Rescue, 2, true)),
    ("pa ka jwenn", Topic(C::Rescue, 2, false)),
    ("dlo ka monte", Topic(C::Rescue, 2, true)),
    ("dlo ka rantre", Topic(C::Rescue, 3, true)),
    ("pa sa soti", Topic(C::Rescue, 3, false)),
    ("pe ke soti", Topic(C::Rescue, 3, false)),
    ("pa ka sa soti", Topic(C::Rescue, 3, false)),
    ("ne pouvons pas sortir", Topic(C::Rescue, 3, false)),
    ("ne peut pas sortir", Topic(C::Rescue, 3, false)),
    ("ne peuvent pas sortir", Topic(C::Rescue, 3, false)),
    ("peut plus sortir", Topic(C::Rescue, 3, false)),
    ("can t get out", Topic(C::Rescue, 3, false)),
    ("cannot get out", Topic(C::Rescue, 3, false)),
    // --- casualties
    ("blesse*", Topic(C::Casualties, 4, true)),
    ("victime*", Topic(C::Casualties, 3, true)),
    ("mort", Topic(C::Casualties, 4, true)),
    ("morts", Topic(C::Casualties, 4, true)),
    ("deces", Topic(C::Casualties, 4, true)),
    ("decede*", Topic(C::Casualties, 4, true)),
    ("tue*", Topic(C::Casualties, 3, true)),
    ("corps sans vie", Topic(C::Casualties, 5, true)),
    ("saigne*", Topic(C::Casualties, 3, true)),
    ("inconscient*", Topic(C::Casualties, 4, true)),
    ("fracture*", Topic(C::Casualties, 3, true)),
    ("jambe cassee", Topic(C::Casualties, 3, true)),
    ("bras casse", Topic(C::Casualties, 3, true)),
    ("electrocute*", Topic(C::Casualties, 4, true)),
    ("hospitalise*", Topic(C::Casualties, 3, true)),
    ("injured", Topic(C::Casualties, 4, true)),
    ("injuries", Topic(C::Casualties, 4, true)),
    ("injury", Topic(C::Casualties, 4, true)),
    ("hurt", Topic(C::Casualties, 3, true)),
    ("wounded", Topic(C::Casualties, 4, true)),
    ("dead", Topic(C::Casualties, 4, true)),
    ("deaths", Topic(C::Casualties, 4, true)),
    ("killed", Topic(C::Casualties, 4, true)),
    ("casualties", Topic(C::Casualties, 4, true)),
    ("fatalit*", Topic(C::Casualties, 4, true)),
    ("bleeding", Topic(C::Casualties, 3, true)),
    ("unconscious", Topic(C::Casualties, 4, true)),
    ("broken leg", Topic(C::Casualties, 3, true)),
    ("blese", Topic(C::Casualties, 4, true)),
    ("blesse", Topic(C::Casualties, 4, true)),
    ("moun mo", Topic(C::Casualties, 4, true)),
    ("mo", Topic(C::Casualties, 1, true)),
    ("ka senyen", Topic(C::Casualties, 3, true)),
    ("senyen", Topic(C::Casualties, 3, true)),
    ("kase pye", Topic(C::Casualties, 3, true)),
    ("pye kase", Topic(C::Casualties, 3, true)),
    // --- damage
    ("degat*", Topic(C::Damage, 3, true)),
    ("degats", Topic(C::Damage, 3, true)),
    ("toit arrache", Topic(C::Damage, 4, true)),
    ("toits arraches", Topic(C::Damage, 4, true)),
    ("toiture*", Topic(C::Damage, 3, true)),
    ("tole*", Topic(C::Damage, 2, true)),
    ("effondre*", Topic(C::Damage, 3, true)),
    ("ecroule*", Topic(C::Damage, 3, true)),
    ("detruit*", Topic(C::Damage, 3, true)),
    ("endommage*", Topic(C::Damage, 3, true)),
    ("arrache*", Topic(C::Damage, 2, true)),
    ("souffle*", Topic(C::Damage, 1, true)),
    ("vitres", Topic(C::Damage, 2, true)),
    ("facade", Topic(C::Damage, 2, true)),
    ("maison*", Topic(C::Damage, 1, true)),
    ("ecole", Topic(C::Damage, 1, true)),
    ("eglise", Topic(C::Damage, 1, true)),
    ("roof", Topic(C::Damage, 2, true)),
    ("roofs", Topic(C::Damage, 3, true)),
    ("damage*", Topic(C::Damage, 4, true)),
    ("destroyed", Topic(C::Damage, 4, true)),
    ("collapsed", Topic(C::Damage, 3, true)),
    ("torn off", Topic(C::Damage, 3, true)),
    ("ripped off", Topic(C::Damage, 3, true)),
    ("blown away", Topic(C::Damage, 2, true)),
    ("twati", Topic(C::Damage, 2, true)),
    ("kaz", Topic(C::Damage, 1, true)),
    ("kraze", Topic(C::Damage, 3, true)),
    ("tonbe", Topic(C::Damage, 1, true)),
    ("dega", Topic(C::Damage, 3, true)),
    ("van la pote", Topic(C::Damage, 3, true)),
    ("van pote", Topic(C::Damage, 3, true)),
    // --- utilities
    ("courant", Topic(C::Utilities, 3, false)),
    ("electricite", Topic(C::Utilities, 3, false)),
    ("coupure*", Topic(C::Utilities, 3, false)),
    ("panne*", Topic(C::Utilities, 2, false)),
    ("edf", Topic(C::Utilities, 3, false)),
    ("reseau", Topic(C::Utilities, 3, false)),
    ("telephone", Topic(C::Utilities, 1, false)),
    ("internet", Topic(C::Utilities, 3, false)),
    ("4g", Topic(C::Utilities, 3, false)),
    ("fibre", Topic(C::Utilities, 2, false)),
    ("eau courante", Topic(C::Utilities, 4, false)),
    ("pas d eau", Topic(C::Utilities, 3, false)),
    ("plus d eau", Topic(C::Utilities, 3, false)),
    ("sans eau", Topic(C::Utilities, 3, false)),
    ("eau au robinet", Topic(C::Utilities, 3, false)),
    ("robinet*", Topic(C::Utilities, 3, false)),
    ("eau potable", Topic(C::Utilities, 2, false)),
    ("noir complet", Topic(C::Utilities, 2, false)),
    ("dans le noir", Topic(C::Utilities, 2, false)),
    ("poteau*", Topic(C::Utilities, 2, false)),
    ("cable*", Topic(C::Utilities, 2, false)),
    ("ligne* electrique*", Topic(C::Utilities, 3, false)),
    ("power", Topic(C::Utilities, 3, false)),
    ("electricity", Topic(C::Utilities, 3, false)),
    ("outage*", Topic(C::Utilities, 3, false)),
    ("blackout", Topic(C::Utilities, 3, false)),
    ("no signal", Topic(C::Utilities, 3, false)),
    ("no network", Topic(C::Utilities, 3, false)),
    ("phone network", Topic(C::Utilities, 3, false)),
    ("running water", Topic(C::Utilities, 4, false)),
    ("no water", Topic(C::Utilities, 3, false)),
    ("tap water", Topic(C::Utilities, 2, false)),
    ("kouran", Topic(C::Utilities, 3, false)),
    ("limye", Topic(C::Utilities, 2, false)),
    ("rezo", Topic(C::Utilities, 3, false)),
    ("pa ni dlo", Topic(C::Utilities, 3, false)),
    ("dlo koupe", Topic(C::Utilities, 3, false)),
    ("koupe dlo", Topic(C::Utilities, 3, false)),
    ("tiyo", Topic(C::Utilities, 1, false)),
    // --- access
    ("route*", Topic(C::Access, 3, false)),
    ("rue", Topic(C::Access, 1, false)),
    ("chemin", Topic(C::Access, 1, false)),
    ("pont", Topic(C::Access, 3, false)),
    ("ponts", Topic(C::Access, 3, false)),
    ("ravine", Topic(C::Access, 1, false)),
    ("circulation", Topic(C::Access, 3, false)),
    ("impraticable*", Topic(C::Access, 4, false)),
    ("barree*", Topic(C::Access, 2, false)),
    ("barre", Topic(C::Access, 1, false)),
    ("ferme a la circulation", Topic(C::Access, 4, false)),
    ("rn1", Topic(C::Access, 3, false)),
    ("rn2", Topic(C::Access, 3, false)),
    ("rn4", Topic(C::Access, 3, false)),
    ("rn5", Topic(C::Access, 3, false)),
    ("rn6", Topic(C::Access, 3, false)),
    ("traversee", Topic(C::Access, 3, false)),
    ("arbre* tombe*", Topic(C::Access, 2, false)),
    ("arbres en travers", Topic(C::Access, 3, false)),
    ("aeroport", Topic(C::Access, 3, false)),
    ("port", Topic(C::Access, 1, false)),
    ("vol", Topic(C::Access, 1, false)),
    ("vols", Topic(C::Access, 2, false)),
    ("bateau*", Topic(C::Access, 2, false)),
    ("navette*", Topic(C::Access, 2, false)),
    ("ferry", Topic(C::Access, 3, false)),
    ("embouteillage*", Topic(C::Access, 3, false)),
    ("deviation", Topic(C::Access, 3, false)),
    ("road*", Topic(C::Access, 3, false)),
    ("bridge*", Topic(C::Access, 3, false)),
    ("airport", Topic(C::Access, 3, false)),
    ("flights", Topic(C::Access, 2, false)),
    ("impassable", Topic(C::Access, 4, false)),
    ("highway", Topic(C::Access, 3, false)),
    ("traffic", Topic(C::Access, 2, false)),
    ("chimen", Topic(C::Access, 2, false)),
    ("lari", Topic(C::Access, 2, false)),
    ("pon", Topic(C::Access, 2, false)),
    ("loto", Topic(C::Access, 1, false)),
    ("pye bwa", Topic(C::Access, 1, false)),
    // --- hazard (observed)
    ("inonde*", Topic(C::Hazard, 3, true)),
    ("inondation*", Topic(C::Hazard, 3, true)),
    ("sous l eau", Topic(C::Hazard, 3, true)),
    ("deborde*", Topic(C::Hazard, 3, true)),
    ("crue*", Topic(C::Hazard, 3, true)),
    ("glissement* de terrain", Topic(C::Hazard, 4, true)),
    ("eboulement*", Topic(C::Hazard, 4, true)),
    ("coulee* de boue", Topic(C::Hazard, 4, true)),
    ("boue", Topic(C::Hazard, 2, true)),
    ("houle", Topic(C::Hazard, 2, true)),
    ("submersion", Topic(C::Hazard, 3, true)),
    ("vagues", Topic(C::Hazard, 2, true)),
    ("front de mer", Topic(C::Hazard, 1, true)),
    ("maree de tempete", Topic(C::Hazard, 3, true)),
    ("incendie*", Topic(C::Hazard, 4, true)),
    ("feu", Topic(C::Hazard, 2, true)),
    ("fumee", Topic(C::Hazard, 2, true)),
    ("fuite de gaz", Topic(C::Hazard, 4, true)),
    ("riviere", Topic(C::Hazard, 2, true)),
    ("ravine en crue", Topic(C::Hazard, 4, true)),
    ("flood*", Topic(C::Hazard, 3, true)),
    ("landslide*", Topic(C::Hazard, 4, true)),
    ("mudslide*", Topic(C::Hazard, 4, true)),
    ("storm surge", Topic(C::Hazard, 4, true)),
    ("overflow*", Topic(C::Hazard, 3, true)),
    ("fire", Topic(C::Hazard, 3, true)),
    ("waves", Topic(C::Hazard, 2, true)),
    ("river", Topic(C::Hazard, 2, true)),
    ("gas leak", Topic(C::Hazard, 4, true)),
    ("lavalas", Topic(C::Hazard, 4, true)),
    ("dlo desann", Topic(C::Hazard, 3, true)),
    ("lanme", Topic(C::Hazard, 2, true)),
    ("rivye", Topic(C::Hazard, 3, true)),
    ("glisman", Topic(C::Hazard, 4, true)),
    ("dife", Topic(C::Hazard, 3, true)),
    ("dlo", Topic(C::Hazard, 1, true)),
    // --- needs
    ("besoin d eau", Topic(C::Needs, 4, false)),
    ("besoin de nourriture", Topic(C::Needs, 4, false)),
    ("besoin de", Topic(C::Needs, 2, false)),
    ("manque de", Topic(C::Needs, 2, false)),
    ("on manque", Topic(C::Needs, 3, false)),
    ("nous manquons", Topic(C::Needs, 3, false)),
    ("plus rien a manger", Topic(C::Needs, 4, false)),
    ("rien a manger", Topic(C::Needs, 4, false)),
    ("faim", Topic(C::Needs, 3, false)),
    ("nourriture", Topic(C::Needs, 2, false)),
    ("bouteilles d eau", Topic(C::Needs, 2, false)),
    ("lait bebe", Topic(C::Needs, 3, false)),
    ("lait pour bebe", Topic(C::Needs, 3, false)),
    ("couches", Topic(C::Needs, 2, false)),
    ("insuline", Topic(C::Needs, 5, false)),
    ("oxygene", Topic(C::Needs, 4, false)),
    ("dialyse", Topic(C::Needs, 4, false)),
    ("medicament*", Topic(C::Needs, 4, false)),
    ("traitement", Topic(C::Needs, 2, false)),
    ("groupe electrogene", Topic(C::Needs, 2, false)),
    ("ou trouver", Topic(C::Needs, 2, false)),
    ("quelqu un aurait", Topic(C::Needs, 2, false)),
    ("cherche*", Topic(C::Needs, 1, false)),
    ("bache*", Topic(C::Needs, 2, false)),
    ("need water", Topic(C::Needs, 4, false)),
    ("need food", Topic(C::Needs, 4, false)),
    ("we need", Topic(C::Needs, 3, false)),
    ("running out", Topic(C::Needs, 3, false)),
    ("insulin", Topic(C::Needs, 5, false)),
    ("oxygen", Topic(C::Needs, 4, false)),
    ("medication", Topic(C::Needs, 4, false)),
    ("medicine", Topic(C::Needs, 4, false)),
    ("baby formula", Topic(C::Needs, 4, false)),
    ("diapers", Topic(C::Needs, 3, false)),
    ("tarp*", Topic(C::Needs, 2, false)),
    ("bizwen", Topic(C::Needs, 3, false)),
    ("manje", Topic(C::Needs, 3, false)),
    ("pa ni manje", Topic(C::Needs, 4, false)),
    ("grangou", Topic(C::Needs, 3, false)),
    ("remed", Topic(C::Needs, 4, false)),
    ("ensilin", Topic(C::Needs, 5, false)),
    // --- shelter and evacuation
    ("abri*", Topic(C::Shelter, 3, false)),
    ("centre d hebergement", Topic(C::Shelter, 4, false)),
    ("hebergement*", Topic(C::Shelter, 3, false)),
    ("heberge*", Topic(C::Shelter, 2, false)),
    ("gymnase", Topic(C::Shelter, 3, false)),
    ("refuge", Topic(C::Shelter, 3, false)),
    ("evacuation*", Topic(C::Shelter, 3, false)),
    ("evacue*", Topic(C::Shelter, 2, false)),
    ("complet", Topic(C::Shelter, 1, false)),
    ("lits", Topic(C::Shelter, 2, false)),
    ("sinistres", Topic(C::Shelter, 1, false)),
    ("shelter*", Topic(C::Shelter, 4, false)),
    ("evacuat*", Topic(C::Shelter, 3, false)),
    ("abri", Topic(C::Shelter, 3, false)),
    ("lopital", Topic(C::Shelter, 1, false)),
    ("sal a", Topic(C::Shelter, 1, false)),
    ("lekol", Topic(C::Shelter, 1, false)),
    // --- solidarity
    ("dons", Topic(C::Solidarity, 4, false)),
    ("don", Topic(C::Solidarity, 2, false)),
    ("collecte*", Topic(C::Solidarity, 4, false)),
    ("benevole*", Topic(C::Solidarity, 4, false)),
    ("solidarite", Topic(C::Solidarity, 4, false)),
    ("je propose", Topic(C::Solidarity, 4, false)),
    ("nous proposons", Topic(C::Solidarity, 4, false)),
    ("je peux", Topic(C::Solidarity, 3, false)),
    ("on peut", Topic(C::Solidarity, 2, false)),
    ("disponible*", Topic(C::Solidarity, 2, false)),
    ("gratuit*", Topic(C::Solidarity, 3, false)),
    ("offre", Topic(C::Solidarity, 3, false)),
    ("preter", Topic(C::Solidarity, 3, false)),
    ("pret a aider", Topic(C::Solidarity, 4, false)),
    ("coup de main", Topic(C::Solidarity, 3, false)),
    ("cagnotte", Topic(C::Solidarity, 4, false)),
    ("entraide", Topic(C::Solidarity, 4, false)),
    ("venez chercher", Topic(C::Solidarity, 3, false)),
    ("depot*", Topic(C::Solidarity, 2, false)),
    ("volunteer*", Topic(C::Solidarity, 4, false)),
    ("donation*", Topic(C::Solidarity, 4, false)),
    ("donate", Topic(C::Solidarity, 4, false)),
    ("offering", Topic(C::Solidarity, 4, false)),
    ("i can", Topic(C::Solidarity, 3, false)),
    ("we can", Topic(C::Solidarity, 2, false)),
    ("free", Topic(C::Solidarity, 2, false)),
    ("happy to help", Topic(C::Solidarity, 4, false)),
    ("drop off", Topic(C::Solidarity, 3, false)),
    ("fundraiser", Topic(C::Solidarity, 4, false)),
    ("an ka pwopoze", Topic(C::Solidarity, 4, false)),
    ("pwopoze", Topic(C::Solidarity, 4, false)),
    ("an pe", Topic(C::Solidarity, 2, false)),
    ("nou pe", Topic(C::Solidarity, 2, false)),
    ("ba zot", Topic(C::Solidarity, 2, false)),
    ("bay", Topic(C::Solidarity, 1, false)),
    ("kout men", Topic(C::Solidarity, 4, false)),
    ("lantrede", Topic(C::Solidarity, 4, false)),
    ("solidarite", Topic(C::Solidarity, 4, false)),
    // --- official
    ("prefecture", Topic(C::Official, 3, false)),
    ("prefet", Topic(C::Official, 3, false)),
    ("arrete*", Topic(C::Official, 2, false)),
    ("couvre feu", Topic(C::Official, 4, false)),
    ("consigne*", Topic(C::Official, 4, false)),
    ("communique", Topic(C::Official, 3, false)),
    ("mairie", Topic(C::Official, 2, false)),
    ("sdis", Topic(C::Official, 2, false)),
    ("ars", Topic(C::Official, 2, false)),
    ("interdit*", Topic(C::Official, 2, false)),
    ("interdiction*", Topic(C::Official, 3, false)),
    ("restez chez vous", Topic(C::Official, 4, false)),
    ("restez confine*", Topic(C::Official, 4, false)),
    ("ne sortez pas", Topic(C::Official, 4, false)),
    ("ne sortez sous aucun", Topic(C::Official, 4, false)),
    ("faites bouillir", Topic(C::Official, 4, false)),
    ("ne touchez pas", Topic(C::Official, 4, false)),
    ("numero vert", Topic(C::Official, 3, false)),
    ("rappel", Topic(C::Official, 2, false)),
    ("authorities", Topic(C::Official, 3, false)),
    ("prefect*", Topic(C::Official, 3, false)),
    ("curfew", Topic(C::Official, 4, false)),
    ("stay home", Topic(C::Official, 4, false)),
    ("stay indoors", Topic(C::Official, 4, false)),
    ("do not go out", Topic(C::Official, 4, false)),
    ("boil water", Topic(C::Official, 4, false)),
    ("official*", Topic(C::Official, 2, false)),
    ("instructions", Topic(C::Official, 3, false)),
    ("pa soti", Topic(C::Official, 3, false)),
    ("rete lakay", Topic(C::Official, 4, false)),
    ("rete an kaz", Topic(C::Official, 4, false)),
    ("prefekti", Topic(C::Official, 3, false)),
    ("konsiy", Topic(C::Official, 4, false)),
    // --- weather
    ("vent*", Topic(C::Weather, 2, false)),
    ("rafale*", Topic(C::Weather, 4, false)),
    ("km h", Topic(C::Weather, 3, false)),
    ("pluie*", Topic(C::Weather, 2, false)),
    ("pluviometrie", Topic(C::Weather, 4, false)),
    ("mm", Topic(C::Weather, 2, false)),
    ("oeil", Topic(C::Weather, 3, false)),
    ("meteo*", Topic(C::Weather, 4, false)),
    ("vigilance", Topic(C::Weather, 3, false)),
    ("prevision*", Topic(C::Weather, 3, false)),
    ("trajectoire", Topic(C::Weather, 4, false)),
    ("categorie", Topic(C::Weather, 2, false)),
    ("orage*", Topic(C::Weather, 2, false)),
    ("accalmie", Topic(C::Weather, 3, false)),
    ("cyclone", Topic(C::Weather, 1, false)),
    ("ouragan", Topic(C::Weather, 1, false)),
    ("tempete tropicale", Topic(C::Weather, 2, false)),
    ("wind*", Topic(C::Weather, 2, false)),
    ("gust*", Topic(C::Weather, 4, false)),
    ("mph", Topic(C::Weather, 3, false)),
    ("rain*", Topic(C::Weather, 2, false)),
    ("forecast*", Topic(C::Weather, 3, false)),
    ("eye of", Topic(C::Weather, 3, false)),
    ("hurricane", Topic(C::Weather, 1, false)),
    ("category", Topic(C::Weather, 2, false)),
    ("storm", Topic(C::Weather, 1, false)),
    ("van", Topic(C::Weather, 2, false)),
    ("lapli", Topic(C::Weather, 3, false)),
    ("siklon", Topic(C::Weather, 1, false)),
    ("loraj", Topic(C::Weather, 2, false)),
    // --- urgency
    ("urgent*", Urgent),
    ("urgence", Urgent),
    ("vite", Urgent),
    ("maintenant", Urgent),
    ("immediatement", Urgent),
    ("au secours", Urgent),
    ("sos", Urgent),
    ("aidez", Urgent),
    ("help", Urgent),
    ("now", Urgent),
    ("asap", Urgent),
    ("quickly", Urgent),
    ("urgently", Urgent),
    ("please", Urgent),
    ("ede", Urgent),
    ("sekou", Urgent),
    ("koumye", Urgent),
    ("pli vit", Urgent),
    ("l eau monte", Urgent),
    ("dlo ka monte", Urgent),
    ("water rising", Urgent),
    ("ne respire", Urgent),
    ("not breathing", Urgent),
    ("inconscient*", Urgent),
    ("unconscious", Urgent),
    ("saigne*", Urgent),
    ("bleeding", Urgent),
    ("ka senyen", Urgent),
    ("ne peut pas sortir", Urgent),
    ("ne pouvons pas sortir", Urgent),
    ("ne peuvent pas sortir", Urgent),
    ("can t move", Urgent),
    ("can t get out", Urgent),
    ("coince* sous", Urgent),
    ("sous les decombres", Urgent),
    ("under the rubble", Urgent),
    ("anba", Urgent),
    ("personne ne vient", Urgent),
    ("nobody is coming", Urgent),
    ("pa sa soti", Urgent),
    ("besoin d un medecin", Urgent),
    ("need a doctor", Urgent),
    // --- advice to the public
    ("si vous etes", Advice),
    ("si vous avez", Advice),
    ("si vous voyez", Advice),
    ("si vous", Advice),
    ("en cas de", Advice),
    ("appelez le", Advice),
    ("composez le", Advice),
    ("contactez le", Advice),
    ("appelez les", Advice),
    ("signalez", Advice),
    ("restez", Advice),
    ("ne sortez pas", Advice),
    ("evitez", Advice),
    ("ne prenez pas", Advice),
    ("nous rappelons", Advice),
    ("il est rappele", Advice),
    ("la population est invitee", Advice),
    ("consigne*", Advice),
    ("if you are", Advice),
    ("if you see", Advice),
    ("if you", Advice),
    ("call 18", Advice),
    ("call 112", Advice),
    ("dial", Advice),
    ("stay indoors", Advice),
    ("do not", Advice),
    ("avoid", Advice),
    ("si zot", Advice),
    ("si ou", Advice),
    ("kriye", Advice),
    ("pa soti", Advice),
    ("rete", Advice),
    // --- resolved
    ("ont ete secouru*", Resolved),
    ("a ete secouru*", Resolved),
    ("ont ete sorti*", Resolved),
    ("a ete sorti*", Resolved),
    ("ont sorti", Resolved),
    ("ont ete evacue*", Resolved),
    ("a ete evacue*", Resolved),
    ("ont ete retrouve*", Resolved),
    ("a ete retrouve*", Resolved),
    ("retrouve* sain*", Resolved),
    ("sains et saufs", Resolved),
    ("saine et sauve", Resolved),
    ("sain et sauf", Resolved),
    ("tout le monde va bien", Resolved),
    ("tout va bien", Resolved),
    ("plus de peur que de mal", Resolved),
    ("en securite", Resolved),
    ("were rescued", Resolved),
    ("was rescued", Resolved),
    ("been rescued", Resolved),
    ("rescued", Resolved),
    ("is safe", Resolved),
    ("are safe", Resolved),
    ("safe now", Resolved),
    ("all good", Resolved),
    ("found safe", Resolved),
    ("everyone is fine", Resolved),
    ("everyone is ok", Resolved),
    ("tout moun bien", Resolved),
    ("tout moun ok", Resolved),
    ("sove", Resolved),
    ("yo sove", Resolved),
    ("ja soti", Resolved),
    ("ka woule", Resolved),
    ("c est bon", Resolved),
    ("merci aux pompiers", Resolved),
    ("merci aux secours", Resolved),
    // --- forecasts
    ("risque*", Forecast),
    ("prevu*", Forecast),
    ("attendu*", Forecast),
    ("demain", Forecast),
    ("cette nuit", Forecast),
    ("dans les prochaines", Forecast),
    ("prochaines heures", Forecast),
    ("va ", Forecast),
    ("vont", Forecast),
    ("pourrait", Forecast),
    ("pourraient", Forecast),
    ("possible*", Forecast),
    ("prevision*", Forecast),
    ("vigilance", Forecast),
    ("forecast*", Forecast),
    ("expected", Forecast),
    ("tomorrow", Forecast),
    ("risk", Forecast),
    ("could", Forecast),
    ("watch", Forecast),
    ("warning", Forecast),
    ("ke", Forecast),
    ("denmen", Forecast),
    // --- no news of someone
    ("pas de nouvelles", NoNews),
    ("sans nouvelles", NoNews),
    ("aucune nouvelle", NoNews),
    ("des nouvelles de", NoNews),
    ("ne repond plus", NoNews),
    ("ne repond pas", NoNews),
    ("injoignable*", NoNews),
    ("no news", NoNews),
    ("not answering", NoNews),
    ("can t reach", NoNews),
    ("cannot reach", NoNews),
    ("haven t heard", NoNews),
    ("pa ni nouvel", NoNews),
    ("pa ka reponn", NoNews),
    ("nouvel", NoNews),
    // --- medical need
    ("insuline", Medical),
    ("insulin", Medical),
    ("ensilin", Medical),
    ("oxygene", Medical),
    ("oxygen", Medical),
    ("dialyse", Medical),
    ("dialysis", Medical),
    ("medicament*", Medical),
    ("medication", Medical),
    ("remed", Medical),
    ("diabetique", Medical),
    ("diabetic", Medical),
    ("enceinte", Medical),
    ("pregnant", Medical),
    ("bebe", Medical),
    ("baby", Medical),
    // --- serious context
    ("hopital", Serious),
    ("chu", Serious),
    ("clinique", Serious),
    ("ehpad", Serious),
    ("hospital", Serious),
    ("nursing home", Serious),
    ("coupe* du monde", Serious),
    ("isole*", Serious),
    ("cut off", Serious),
    ("isolated", Serious),
    ("lopital", Serious),
    ("menace", Serious),
    ("menacee", Serious),
    ("threaten*", Serious),
    ("pres des maisons", Serious),
    ("habitations", Serious),
    ("near homes", Serious),
    // --- evacuation ordered
    ("evacuez", Evacuation),
    ("evacuation obligatoire", Evacuation),
    ("ordre d evacuation", Evacuation),
    ("doivent evacuer", Evacuation),
    ("evacuate", Evacuation),
    ("mandatory evacuation", Evacuation),
    ("kite kaz", Evacuation),
    // --- negation of the next cue
    ("pas de", Negation),
    ("pas d", Negation),
    ("pas eu de", Negation),
    ("pas fait de", Negation),
    ("pas un seul", Negation),
    ("aucun", Negation),
    ("aucune", Negation),
    ("sans", Negation),
    ("personne n", Negation),
    ("ni", Negation),
    ("zero", Negation),
    ("no", Negation),
    ("not", Negation),
    ("nobody", Negation),
    ("no one", Negation),
    ("none", Negation),
    ("pa ni", Negation),
    ("pa te ni", Negation),
    ("pa menm", Negation),
    ("pyes", Negation),
    ("pon moun", Negation),
];

struct Lexicon {
    automaton: AhoCorasick,
    cues: Vec<Cue>,
}

fn lexicon() -> &'static Lexicon {
    static LEXICON: OnceLock<Lexicon> = OnceLock::new();
    LEXICON.get_or_init(|| {
        let needles: Vec<String> = CUES
            .iter()
            .map(|(p, _)| match p.strip_suffix('*') {
                Some(prefix) => format!(" {}", prefix.replace("* ", "")),
                None => format!(" {} ", p.trim_end()),
            })
            .collect();
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&needles)
            .unwrap_or_else(|e| panic!("classifier lexicon builds: {e}"));
        Lexicon {
            automaton,
            cues: CUES.iter().map(|(_, c)| *c).collect(),
        }
    })
}

/// Suggests a category and priority for a folded text (see [`crate::text::fold`]).
/// `official` is true for official sources and accounts.
pub fn classify(folded: &str, official: bool) -> Suggestion {
    let lex = lexicon();
    let mut scores = [0i32; 12];
    let mut urgent = 0;
    let mut advice = 0;
    let mut resolved = 0;
    let mut forecast = 0;
    let mut no_news = 0;
    let mut medical = 0;
    let mut serious = 0;
    let mut evacuation = 0;
    // Where the last negation ended: a negatable cue starting within 3 words is cancelled.
    let mut negation_end: Option<usize> = None;

    for m in lex.automaton.find_overlapping_iter(folded) {
        let cue = lex.cues[m.pattern().as_usize()];
        match cue {
            Negation => negation_end = Some(m.end()),
            Topic(cat, weight, negatable) => {
                let negated = negatable
                    && negation_end.is_some_and(|end| {
                        m.start() + 1 >= end && words_between(folded, end, m.start()) <= 2
                    });
                if !negated {
                    scores[cat as usize] += i32::from(weight);
                }
            }
            Urgent => urgent += 1,
            Advice => advice += 1,
            Resolved => resolved += 1,
            Forecast => forecast += 1,
            NoNews => no_news += 1,
            Medical => medical += 1,
            Serious => serious += 1,
            Evacuation => evacuation += 1,
        }
    }

    // Advice to the public names dangers to explain what to do about them.
    if advice > 0 || official {
        let people = scores[C::Rescue as usize] + scores[C::Casualties as usize];
        if advice > 0 {
            scores[C::Official as usize] += 2 * advice.min(3) + people / 2;
            scores[C::Rescue as usize] /= 3;
            scores[C::Casualties as usize] /= 2;
        }
        if official {
            scores[C::Official as usize] += 4;
        }
    }
    // A forecast is weather, not an observed flood.
    if forecast > 0 {
        scores[C::Weather as usize] += 2 * forecast.min(2);
        scores[C::Hazard as usize] -= 2;
    }
    if no_news > 0 {
        scores[C::Rescue as usize] += 3;
    }
    if resolved > 0 {
        scores[C::Rescue as usize] /= 2;
    }

    let category = pick(&scores);
    let priority = match category {
        C::Rescue if resolved > 0 => Priority::Low,
        C::Rescue if no_news > 0 && urgent == 0 => Priority::High,
        C::Rescue => Priority::Critical,
        C::Casualties if resolved > 0 => Priority::High,
        C::Casualties if urgent > 0 => Priority::Critical,
        C::Casualties => Priority::High,
        C::Hazard if resolved > 0 => Priority::Medium,
        C::Hazard => Priority::High,
        C::Needs if medical > 0 || urgent > 0 => Priority::High,
        C::Needs => Priority::Medium,
        C::Damage | C::Utilities | C::Access if serious > 0 => Priority::High,
        C::Damage | C::Utilities | C::Access => Priority::Medium,
        C::Shelter | C::Official if evacuation > 0 => Priority::High,
        C::Shelter | C::Official => Priority::Medium,
        C::Weather | C::Solidarity | C::Other => Priority::Low,
    };
    Suggestion { category, priority }
}

/// The best-scoring category; on a tie, the one listed first (life before property).
fn pick(scores: &[i32; 12]) -> Category {
    let mut best = C::Other;
    let mut best_score = 0;
    for c in Category::ALL {
        let s = scores[*c as usize];
        if s > best_score {
            best = *c;
            best_score = s;
        }
    }
    best
}

fn words_between(text: &str, from: usize, to: usize) -> usize {
    if to <= from {
        return 0;
    }
    text[from..to].split_whitespace().count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::fold;

    fn sug(text: &str) -> (Category, Priority) {
        let s = classify(&fold(text), false);
        (s.category, s.priority)
    }

    #[test]
    fn rescue_requests_are_critical() {
        assert_eq!(sug("Au secours nous sommes bloqués sur le toit, l'eau monte !"), (C::Rescue, Priority::Critical));
        assert_eq!(sug("family trapped on their roof, water rising fast"), (C::Rescue, Priority::Critical));
        assert_eq!(sug("nou bloké asi twati-la, dlo ka monté, ed nou"), (C::Rescue, Priority::Critical));
    }

    #[test]
    fn negation_and_context() {
        assert_eq!(sug("Pas de blessés, juste des dégâts sur la toiture").0, C::Damage);
        assert_eq!(sug("no injuries reported but the roofs are destroyed").0, C::Damage);
        assert_eq!(sug("Si vous êtes bloqués chez vous, appelez le 18").0, C::Official);
        assert_eq!(sug("Risque d'inondations demain sur tout l'archipel").0, C::Weather);
        assert_eq!(sug("Les pompiers ont sorti la famille, tout le monde va bien").1, Priority::Low);
    }

    #[test]
    fn other_categories() {
        assert_eq!(sug("Plus de courant depuis 3h du matin").0, C::Utilities);
        assert_eq!(sug("Route de la Traversée impraticable, arbres en travers").0, C::Access);
        assert_eq!(sug("Besoin d'insuline pour ma grand-mère").0, C::Needs);
        assert_eq!(sug("Besoin d'insuline pour ma grand-mère").1, Priority::High);
        assert_eq!(sug("Je propose mon pick-up pour transporter des dons").0, C::Solidarity);
        assert_eq!(sug("Rafales à 180 km/h relevées au Raizet").0, C::Weather);
        assert_eq!(sug("bonne nuit à tous").0, C::Other);
    }

    #[test]
    fn official_sources_lean_official() {
        let s = classify(&fold("Le couvre-feu est prolongé jusqu'à 6h"), true);
        assert_eq!(s.category, C::Official);
    }
}
