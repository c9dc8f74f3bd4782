//! Who is calling: a JWT from the host portal's identity provider, or an org API key.
//!
//! Both resolve to a member of exactly one org. JWTs are HS256 with a secret from the
//! environment (for local use), or RS256 or ES256 with public keys from a configured JWKS
//! (for production, verified with Web Crypto); their `sub` is the member's user id and their
//! `org` claim the org. API keys are `rk_` and 256 random bits, stored as SHA-256 only, and act
//! as the member who created them, so they can never do more than that member can at the time
//! of the call.

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
    /// The HS256 secret, if HS256 tokens are accepted (local use).
    pub secret: Option<String>,
    /// The identity provider's public keys (a JWKS document), if RS256 and ES256 are.
    pub jwks: Option<serde_json::Value>,
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
    #[serde(default)]
    kid: Option<String>,
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

/// Checks a JWT's signature (HS256 with the secret, or RS256/ES256 with the JWKS), then
/// `exp`, `nbf`, `iss` and `aud`; returns (org, user id).
pub async fn verify_jwt(
    token: &str,
    config: &JwtConfig,
    now: Timestamp,
) -> Result<(String, UserId), Problem> {
    let invalid = |why: &str| Problem::unauthorized(&format!("invalid token: {why}"));
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid("not a JWT"));
    };
    let header: Header = base64url_decode(header)
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| invalid("unreadable header"))?;
    let signature = base64url_decode(signature).ok_or_else(|| invalid("unreadable signature"))?;
    let signed = token.rsplit_once('.').map_or(token, |(signed, _)| signed);

    // Only algorithms the deployment configured keys for: never `none`, and never a public
    // key used as an HMAC secret.
    let valid = match (header.alg.as_str(), &config.secret, &config.jwks) {
        ("HS256", Some(secret), _) => {
            if secret.len() < 32 {
                return Err(Problem::internal("JWT_SECRET is shorter than 32 bytes"));
            }
            let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
                .map_err(|_| Problem::internal("bad JWT_SECRET"))?;
            mac.update(signed.as_bytes());
            mac.verify_slice(&signature).is_ok()
        }
        (alg @ ("RS256" | "ES256"), _, Some(jwks)) => {
            let key = find_key(jwks, alg, header.kid.as_deref())
                .ok_or_else(|| invalid("no key in the JWKS for this token"))?;
            webcrypto::verify(alg, key, signed.as_bytes(), &signature).await?
        }
        _ => return Err(invalid("unsupported algorithm")),
    };
    if !valid {
        return Err(invalid("bad signature"));
    }

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

/// The JWKS key for a token: the one named by `kid`, else the only one of the right type.
// FIXME: the JWKS comes inline from `JWT_JWKS`; fetching it from the identity provider's URL
// (with caching and rotation by `kid`) would spare redeploying when keys rotate.
fn find_key<'a>(
    jwks: &'a serde_json::Value,
    alg: &str,
    kid: Option<&str>,
) -> Option<&'a serde_json::Value> {
    let kty = if alg == "RS256" { "RSA" } else { "EC" };
    let fits = |k: &&serde_json::Value| {
        k["kty"] == kty
            && k.get("alg").is_none_or(|a| a == alg)
            && k.get("use").is_none_or(|u| u == "sig")
    };
    let keys = jwks["keys"].as_array()?;
    match kid {
        Some(kid) => keys.iter().filter(fits).find(|k| k["kid"] == kid),
        None => {
            let mut candidates = keys.iter().filter(fits);
            let only = candidates.next()?;
            candidates.next().is_none().then_some(only)
        }
    }
}

/// RS256 and ES256 signatures, checked by the runtime's Web Crypto.
mod webcrypto {
    use js_sys::{Array, Object, Reflect};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{CryptoKey, SubtleCrypto};

    use crate::problem::Problem;

    fn object(pairs: &[(&str, &str)]) -> Result<Object, Problem> {
        let object = Object::new();
        for (key, value) in pairs {
            Reflect::set(&object, &JsValue::from_str(key), &JsValue::from_str(value))
                .map_err(|_| Problem::internal("building a Web Crypto parameter failed"))?;
        }
        Ok(object)
    }

    pub async fn verify(
        alg: &str,
        jwk: &serde_json::Value,
        data: &[u8],
        signature: &[u8],
    ) -> Result<bool, Problem> {
        let failed = |what: &str| Problem::unauthorized(&format!("invalid token: {what}"));
        let (import, check) = match alg {
            "RS256" => (
                object(&[("name", "RSASSA-PKCS1-v1_5"), ("hash", "SHA-256")])?,
                object(&[("name", "RSASSA-PKCS1-v1_5")])?,
            ),
            _ => (
                object(&[("name", "ECDSA"), ("namedCurve", "P-256")])?,
                object(&[("name", "ECDSA"), ("hash", "SHA-256")])?,
            ),
        };
        let subtle: SubtleCrypto = Reflect::get(&js_sys::global(), &"crypto".into())
            .and_then(|crypto| Reflect::get(&crypto, &"subtle".into()))
            .map_err(|_| Problem::internal("Web Crypto is unavailable"))?
            .unchecked_into();
        let key_data: Object = js_sys::JSON::parse(&jwk.to_string())
            .map_err(|_| failed("unusable key"))?
            .unchecked_into();
        let usages = Array::of1(&"verify".into());
        let key = subtle
            .import_key_with_object("jwk", &key_data, &import, false, &usages)
            .map_err(|_| failed("unusable key"))?;
        let key: CryptoKey = JsFuture::from(key)
            .await
            .map_err(|_| failed("unusable key"))?
            .unchecked_into();
        let verdict = subtle
            .verify_with_object_and_u8_array_and_u8_array(&check, &key, signature, data)
            .map_err(|_| failed("bad signature"))?;
        let verdict = JsFuture::from(verdict)
            .await
            .map_err(|_| failed("bad signature"))?;
        Ok(verdict.as_bool().unwrap_or(false))
    }
}

/// Whether a bearer token looks like an API key rather than a JWT.
pub fn is_api_key(token: &str) -> bool {
    token.starts_with("rk_")
}

/// The stored form of an API key.
pub fn api_key_hash(key: &str) -> String {
    TokenHash::of(key).as_str().to_owned()
}
