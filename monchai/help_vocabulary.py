"""The demo site's vocabulary for the help search: the words its users put in a question
for one thing or action of MonChai, in French and English.

``VOCABULARY`` is a list of groups. A group is a list of interchangeable terms: words or
short phrases that, in a question about this app, name the same thing ("devis", "quote",
"offre de prix") or the same action ("modifier", "edit", "mettre à jour"), whatever the
language. The search matches a term's own forms (plural, conjugation: "créez" for "créer")
fully, and the other terms of its group slightly less, so "je dois chiffrer une commande"
finds "Faire un devis", and "how do I use Nouveau devis" finds "Create a quote".

Writing rules:

* Terms are lower case; accents are allowed (the search folds them away). A phrase counts
  as its words in a row, stop words ("de", "the", "à") aside: "mot de passe", "log in".
* French and English terms are mixed in one group, and the French labels of the interface
  ("Nouveau devis", "Sortie", "Enregistrer", "Seuil d'alerte") sit with the English words
  the English articles translate them by, so a question in either language, quoting a
  label or not, reaches the article.
* Keep a group tight: two terms belong together only if a user could write one for the
  other in a question about this app. Generic actions (create, edit, delete, save...) get
  their own groups, never a group with nouns, or every "new ..." would find every article.
* A term belongs to one group only, and so do its forms: terms the stemmer merges
  ("bottle" and "bottling", "identifiant" and "s'identifier") cannot sit in two groups.
  Words used here in two senses stay out: "in" and "out" alone (log in, stock in), "exit"
  for logging out (it is a stock exit here), "entrer" (its stem is that of "entrée").
"""

from __future__ import annotations

# fmt: off
VOCABULARY: list[list[str]] = [
    # Quotes.
    ["devis", "quote", "quotation", "estimate", "offre", "offre de prix", "proposition",
     "proposition commerciale", "cotation", "chiffrage", "chiffrer", "price quote"],
    ["nouveau devis", "new quote", "faire un devis", "créer un devis", "établir un devis",
     "rédiger un devis", "create a quote", "make a quote", "new estimate"],
    ["valable jusqu'au", "valid until", "validité", "date de validité", "expiration",
     "expiry", "date limite", "échéance"],
    ["statut", "status", "état du devis", "quote status"],
    ["brouillon", "draft", "en préparation"],
    ["envoyer", "envoi", "envoyé", "send", "sent", "transmettre", "transmis",
     "faire parvenir"],
    ["accepté", "accepted", "accept", "signé", "signer", "bon pour accord", "approuvé",
     "approved", "agreed", "dit oui"],
    ["refusé", "refus", "refused", "declined", "decline", "turned down", "rejeté",
     "rejected", "reject", "dit non"],
    ["imprimer", "impression", "print", "printout", "imprimante", "printer", "pdf",
     "télécharger", "download", "exporter", "export"],
    # Money.
    ["tva", "vat", "taxe", "tax", "taux de tva", "vat rate", "sales tax"],
    ["ht", "hors taxe", "excl vat", "excluding vat", "before tax", "pre-tax", "net"],
    ["ttc", "toutes taxes comprises", "incl vat", "including vat", "after tax",
     "prix final"],
    ["total", "montant", "somme", "amount", "sum", "grand total"],
    ["prix", "price", "tarif", "prix unitaire", "unit price", "prix de vente",
     "selling price", "pricing"],
    ["remise", "discount", "réduction", "rabais", "ristourne", "tarif professionnel",
     "prix pro", "trade price"],
    ["quantité", "quantity", "qté", "qty", "nombre de bouteilles", "number of bottles"],
    # Clients.
    ["client", "customer", "acheteur", "buyer", "caviste", "wine shop", "wine merchant",
     "restaurant", "resto", "restaurateur", "particulier", "contact", "prospect"],
    ["nouveau client", "new client", "new customer", "créer un client", "ajouter un client",
     "create a client", "add a client", "add a customer"],
    ["fiche", "fiche client", "coordonnées", "details", "contact details", "profil",
     "profile"],
    ["e-mail", "email", "mail", "courriel", "adresse mail", "email address"],
    ["téléphone", "tél", "phone", "numéro de téléphone", "phone number", "portable",
     "mobile"],
    ["ville", "city", "town", "commune", "localité"],
    # Wines and stock.
    ["cuvée", "vin", "wine", "référence", "produit", "product"],
    ["nouvelle cuvée", "new cuvée", "nouveau vin", "new wine", "ajouter une cuvée",
     "add a cuvée", "add a wine"],
    ["millésime", "vintage", "année de récolte", "harvest year"],
    ["bouteille", "bottle", "col", "carton", "caisse"],
    ["stock", "inventaire", "inventory", "cave", "chai", "cellar", "bouteilles en stock",
     "bottles in stock", "bouteilles restantes", "reste en cave", "bottles left",
     "stock level", "niveau de stock"],
    ["mouvement", "mouvement de stock", "nouveau mouvement", "movement", "stock movement",
     "new movement", "saisie de stock"],
    ["historique", "history", "liste des mouvements", "movement list", "traçabilité"],
    ["entrée", "entrée de stock", "stock in", "stock entry", "rentrer en stock",
     "ajouter au stock", "add to stock", "réception", "réceptionner", "livraison reçue",
     "arrivage", "réapprovisionner", "réassort", "restock", "mise en bouteille",
     "embouteillage"],
    ["sortie", "sortie de stock", "stock out", "stock exit", "exit", "sortir",
     "retirer du stock", "déstocker", "enlever", "take out of stock", "remove from stock",
     "expédition", "expédier", "shipment", "ship"],
    ["vendre", "vendu", "vente", "sell", "sold", "sale"],
    ["livraison", "livrer", "delivery", "deliver", "delivered"],
    ["casse", "cassé", "breakage", "broken", "smashed"],
    ["motif", "reason", "raison", "libellé", "explication"],
    ["seuil d'alerte", "seuil", "alerte", "alert", "alert threshold", "threshold",
     "stock minimum", "minimum", "avertissement", "warning", "prévenir", "warn"],
    ["stock bas", "low stock", "rupture", "rupture de stock", "out of stock",
     "running low", "running out", "épuisé", "va manquer"],
    # The app.
    ["tableau de bord", "dashboard", "accueil", "page d'accueil", "home", "home page",
     "homepage", "vue d'ensemble", "overview", "résumé", "summary", "synthèse"],
    ["mot de passe", "password", "mdp", "code d'accès"],
    ["nom d'utilisateur", "username", "user name", "credentials", "compte", "account",
     "utilisateur", "user"],
    ["se connecter", "connexion", "login", "log in", "sign in", "signin", "s'identifier",
     "identification", "accéder", "accès", "access"],
    ["se déconnecter", "déconnexion", "logout", "log out", "sign out", "log off",
     "quitter", "fermer la session", "déloguer"],
    # Actions and the labels of buttons.
    ["créer", "création", "ajouter", "ajout", "nouveau", "nouvelle", "nouvel", "create",
     "add", "new", "set up", "établir", "rédiger"],
    ["modifier", "modification", "changer", "mettre à jour", "mise à jour", "éditer",
     "edit", "change", "update", "modify", "amend"],
    ["corriger", "correction", "rectifier", "erreur", "se tromper", "trompé", "faute",
     "faute de frappe", "fix", "correct", "mistake", "error", "wrong", "typo"],
    ["supprimer", "suppression", "effacer", "delete", "deletion", "erase"],
    ["annuler", "annulation", "cancel", "undo", "défaire", "revert"],
    ["enregistrer", "sauvegarder", "sauver", "save", "saisir", "saisie", "renseigner",
     "rentrer", "taper", "enter", "record", "type in", "input", "fill in"],
    ["rechercher", "recherche", "chercher", "trouver", "retrouver", "search", "find",
     "look up", "lookup"],
    ["filtre", "filtrer", "trier", "filter", "sort", "afficher seulement", "show only"],
]
# fmt: on
