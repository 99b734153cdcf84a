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
use crate::taxonomy::{
    Availability, Behavior, BrandBias, Domain, PolicyBoundary, PriceSensitivity, Scenario,
};

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
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(T::IDS.iter().copied()))
        .description(Some(format!("a {} id", T::KIND)))
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

taxonomy_schemas!(
    Domain,
    Behavior,
    PriceSensitivity,
    BrandBias,
    Availability,
    PolicyBoundary
);

impl PartialSchema for Scenario {
    fn schema() -> RefOr<Schema> {
        let fields: [(&str, RefOr<Schema>); 6] = [
            ("domain", Domain::schema()),
            ("behavior", Behavior::schema()),
            ("price_sensitivity", PriceSensitivity::schema()),
            ("brand_bias", BrandBias::schema()),
            ("availability", Availability::schema()),
            ("policy_boundary", PolicyBoundary::schema()),
        ];
        fields
            .into_iter()
            .fold(
                ObjectBuilder::new().schema_type(Type::Object),
                |object, (name, schema)| object.property(name, schema).required(name),
            )
            .into()
    }
}

impl ToSchema for Scenario {}
