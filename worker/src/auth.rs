//! Who is calling: a JWT from the host portal's identity provider, or an org API key.
//!
//! Both resolve to a member of exactly one org. JWTs are HS256 with a secret from the
//! environment (for local use); their `sub` is the member's user id and their `org` claim the
//! org. API keys are `rk_` and 256 random bits, stored as SHA-256 only, and act as the member
//! who created them, so they can never do more than that member can at the time of the call.

use hmac::{Hmac, Mac};
use roster_engine::text::UserId;
use roster_engine::token::{base64url_decode, TokenHash};
use roster_engine::{Actor, Timestamp};
use serde::Deserialize;
use sha2::Sha256;

use crate::problem::Problem;

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The org every part of the request is confined to.
    pub org_id: String,
    /// The member acting.
    pub user_id: UserId,
    /// How they proved it.
    pub via: Via,
}

/// How a caller authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// A JWT from the identity provider.
    Jwt,
    /// An org API key, by its id.
    ApiKey(String),
}

impl Caller {
    /// The actor for the engine.
    pub fn actor(&self) -> Actor {
        Actor::User(self.user_id.clone())
    }
}

/// Settings for JWTs, from the environment.
pub struct JwtConfig {
    pub secret: String,
    pub issuer: String,
    pub audience: String,
}

/// The token from `Authorization: Bearer …`.
pub fn bearer(header: Option<String>) -> Result<String, Problem> {
    let header =
        header.ok_or_else(|| Problem::unauthorized("send `Authorization: Bearer <token>`"))?;
    match header.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim().to_owned())
        }
        _ => Err(Problem::unauthorized(
            "the Authorization header must be `Bearer <token>`",
        )),
    }
}

#[derive(Deserialize)]
struct Header {
    alg: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
    org: String,
    exp: i64,
    #[serde(default)]
    nbf: Option<i64>,
    iss: String,
    aud: Audience,
}

/// Checks an HS256 JWT's signature, `exp`, `nbf`, `iss` and `aud`; returns (org, user id).
pub fn verify_jwt(
    token: &str,
    config: &JwtConfig,
    now: Timestamp,
) -> Result<(String, UserId), Problem> {
    let invalid = |why: &str| Problem::unauthorized(&format!("invalid token: {why}"));
    if config.secret.len() < 32 {
        return Err(Problem::internal(
            "JWT_SECRET is missing or shorter than 32 bytes",
        ));
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid("not a JWT"));
    };
    let header: Header = base64url_decode(header)
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| invalid("unreadable header"))?;
    // Only the algorithm we were configured for: never `none`, never a switch to another.
    if header.alg != "HS256" {
        return Err(invalid("unsupported algorithm"));
    }
    let signature = base64url_decode(signature).ok_or_else(|| invalid("unreadable signature"))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(config.secret.as_bytes())
        .map_err(|_| Problem::internal("bad JWT_SECRET"))?;
    let signed = token.rsplit_once('.').map_or(token, |(signed, _)| signed);
    mac.update(signed.as_bytes());
    mac.verify_slice(&signature)
        .map_err(|_| invalid("bad signature"))?;

    let claims: Claims = base64url_decode(payload)
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| invalid("unreadable or incomplete claims"))?;
    let now = now.unix_seconds();
    // A minute of leeway for clocks that disagree.
    if claims.exp + 60 < now {
        return Err(invalid("expired"));
    }
    if claims.nbf.is_some_and(|nbf| nbf > now + 60) {
        return Err(invalid("not valid yet"));
    }
    if claims.iss != config.issuer {
        return Err(invalid("wrong issuer"));
    }
    let audience_ok = match &claims.aud {
        Audience::One(a) => *a == config.audience,
        Audience::Many(list) => list.contains(&config.audience),
    };
    if !audience_ok {
        return Err(invalid("wrong audience"));
    }
    let user = UserId::new(claims.sub).map_err(|_| invalid("`sub` is not a user id"))?;
    Ok((claims.org, user))
}

/// Whether a bearer token looks like an API key rather than a JWT.
pub fn is_api_key(token: &str) -> bool {
    token.starts_with("rk_")
}

/// The stored form of an API key.
pub fn api_key_hash(key: &str) -> String {
    TokenHash::of(key).as_str().to_owned()
}
