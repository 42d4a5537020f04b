//! The emails the accounts function sends, in French, as plain text.
//!
//! Links carry their token in the fragment (`#<token>`): browsers do not
//! send fragments, so tokens never reach a server or CDN log; the page
//! reads it and posts it to the API.

use gru_ports::Email;

/// Where each kind of link leads, under the site's public URL.
pub const VERIFY_PAGE: &str = "/compte/verifier.html";
pub const SIGN_IN_PAGE: &str = "/compte/lien.html";
pub const RESET_PAGE: &str = "/compte/nouveau-mot-de-passe.html";

const SIGNATURE: &str = "\nCordialement,\n{signature}\n\n-- \nCe message a été envoyé automatiquement : merci de ne pas y répondre.\n";

fn email(to: &str, subject: &str, text: String) -> Email {
    Email {
        to: to.to_owned(),
        subject: subject.to_owned(),
        text: text + SIGNATURE,
        html: None,
        attachments: Vec::new(),
        from_name: None,
    }
}

fn link(public_url: &str, page: &str, token: &str) -> String {
    format!("{public_url}{page}#{token}")
}

/// After sign-up with a new address: the link that creates the account.
pub fn verify(to: &str, public_url: &str, token: &str) -> Email {
    email(
        to,
        "Confirmez votre adresse électronique",
        format!(
            "Bonjour,\n\n\
             Pour terminer la création de votre compte, ouvrez ce lien (valable 24 heures) :\n\n\
             {}\n\n\
             Si vous n'avez pas demandé à créer de compte, ignorez ce message : \
             aucun compte ne sera créé.\n",
            link(public_url, VERIFY_PAGE, token)
        ),
    )
}

/// After sign-up with an address that already has an account: says so to
/// the address's owner only (the API answers the same either way).
pub fn already_registered(to: &str, public_url: &str) -> Email {
    email(
        to,
        "Vous avez déjà un compte",
        format!(
            "Bonjour,\n\n\
             Quelqu'un (sans doute vous) a demandé à créer un compte avec cette adresse, \
             mais vous en avez déjà un.\n\n\
             Connectez-vous sur {public_url}/ ; si vous avez oublié votre mot de passe, \
             choisissez « Mot de passe oublié » sur la page de connexion.\n\n\
             Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : \
             votre compte n'a pas changé.\n"
        ),
    )
}

/// What was asked for when an address without an account gets [`no_account`].
#[derive(Debug, Clone, Copy)]
pub enum Asked {
    SignInLink,
    PasswordReset,
}

/// After a sign-in link or a password reset asked for an address that has
/// no account: says so to the address's owner only. Sending an email either
/// way keeps the API's answer, and its time, the same for both.
pub fn no_account(to: &str, public_url: &str, asked: Asked) -> Email {
    let what = match asked {
        Asked::SignInLink => "un lien de connexion",
        Asked::PasswordReset => "la réinitialisation du mot de passe",
    };
    email(
        to,
        "Aucun compte n'utilise cette adresse",
        format!(
            "Bonjour,

             Quelqu'un (sans doute vous) a demandé {what} pour cette adresse,              mais aucun compte ne l'utilise.

             Vous avez peut-être créé votre compte avec une autre adresse.              Pour en créer un : {public_url}/compte/inscription.html

             Vos démarches restent possibles sans compte.

             Si vous n'êtes pas à l'origine de cette demande, ignorez ce message.
"
        ),
    )
}

/// A one-time sign-in link.
pub fn sign_in(to: &str, public_url: &str, token: &str) -> Email {
    email(
        to,
        "Votre lien de connexion",
        format!(
            "Bonjour,\n\n\
             Pour vous connecter, ouvrez ce lien (valable 15 minutes, une seule fois) :\n\n\
             {}\n\n\
             Si vous n'avez pas demandé ce lien, ignorez ce message.\n",
            link(public_url, SIGN_IN_PAGE, token)
        ),
    )
}

/// A password reset link.
pub fn reset(to: &str, public_url: &str, token: &str) -> Email {
    email(
        to,
        "Choisissez un nouveau mot de passe",
        format!(
            "Bonjour,\n\n\
             Pour choisir un nouveau mot de passe, ouvrez ce lien (valable 1 heure, une seule fois) :\n\n\
             {}\n\n\
             Toutes vos sessions ouvertes seront alors fermées. Si vous n'avez pas demandé \
             ce changement, ignorez ce message : votre mot de passe reste le même.\n",
            link(public_url, RESET_PAGE, token)
        ),
    )
}
