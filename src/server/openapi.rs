//! `GET /openapi.json`: the API described in OpenAPI 3.1, generated from
//! the handlers and the contract types. The taxonomy's enums are compiled
//! from YAML, so their schemas (string enums of their ids) are written
//! here from the same compiled tables.

use std::borrow::Cow;

use axum::Json;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{OpenApi as Document, RefOr};
use utoipa::{OpenApi, PartialSchema, ToSchema};

use super::handlers;
use crate::TaxonomyEnum;
use crate::taxonomy::{Behavior, Domain, Scenario};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "coverage",
        description = "Evaluation datasets for conversational shopping assistants with provably complete coverage: dry runs, generation jobs, manifests, scenarios and files."
    ),
    paths(
        handlers::generate::post,
        handlers::generate::get,
        handlers::jobs::list,
        handlers::jobs::get,
        handlers::jobs::cancel,
        handlers::jobs::events,
        handlers::jobs::archive,
        handlers::manifest::manifest,
        handlers::cost::cost,
        handlers::scenarios::scenario,
        handlers::files::file,
        handlers::health::health,
        openapi,
    ),
    components(schemas(handlers::generate::DryRunFlag)),
    tags(
        (name = "coverage", description = "dry runs, generation, manifests, scenarios"),
        (name = "jobs", description = "generation jobs: state, events, cancellation"),
        (name = "files", description = "files under the server's root"),
        (name = "server", description = "health and this document"),
    )
)]
pub struct ApiDoc;

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "server", responses((status = 200, description = "OpenAPI 3.1", body = Object)))]
pub async fn openapi() -> Json<Document> {
    Json(ApiDoc::openapi())
}

fn id_enum<T: TaxonomyEnum>() -> RefOr<Schema> {
    ids(T::KIND, T::IDS)
}

/// A string enum of `ids`, each an id of a `kind`.
fn ids(kind: &str, ids: &'static [&'static str]) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(ids.iter().copied()))
        .description(Some(format!("a {kind} id")))
        .into()
}

macro_rules! taxonomy_schemas {
    ($($name:ident),*) => {$(
        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                id_enum::<$name>()
            }
        }
        impl ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    )*};
}

taxonomy_schemas!(Domain, Behavior);

impl PartialSchema for Scenario {
    /// The domain, the behavior and then every axis of the taxonomy, each
    /// a string enum of its ids.
    fn schema() -> RefOr<Schema> {
        [
            ("domain", Domain::schema()),
            ("behavior", Behavior::schema()),
        ]
        .into_iter()
        .chain(
            Scenario::AXES
                .iter()
                .map(|axis| (axis.id, ids(axis.id, axis.bins))),
        )
        .fold(
            ObjectBuilder::new().schema_type(Type::Object),
            |object, (name, schema)| object.property(name, schema).required(name),
        )
        .into()
    }
}

impl ToSchema for Scenario {}
