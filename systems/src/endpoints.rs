//! Every endpoint, one line each. An endpoint is declared once, as an `impl Endpoint` beside its
//! rule (wire name, request and result types, whom it acts for, handler); this table turns the
//! list into the `Request` enum the network thread decodes into, its dispatch, and its schemas.
//! Adding an endpoint: write its declaration and add its line here (see docs/architecture.md).

use crate::dispatch::run;
use bang_components::api::endpoint::{Endpoint, decode_payload};
use bang_components::api::{ApiError, Framing};
use bang_components::session::{ConnectionId, WireDialect};
use bevy_ecs::prelude::*;
use schemars::{Schema, schema_for};
use serde_json::Value;

macro_rules! endpoints {
    ($($variant:ident => $endpoint:path,)*) => {
        /// A decoded request of any endpoint.
        #[derive(Debug, Clone)]
        pub enum Request {
            $($variant(<$endpoint as Endpoint>::Request),)*
        }

        impl Request {
            /// The endpoint's wire name, echoed in its reply.
            pub fn endpoint_name(&self) -> &'static str {
                match self {
                    $(Request::$variant(_) => <$endpoint as Endpoint>::NAME,)*
                }
            }

            /// The character the request acts for (its first named one), whose rate it counts
            /// against.
            pub fn acting_character(&self) -> Option<&str> {
                match self {
                    $(Request::$variant(r) => <$endpoint as Endpoint>::acting_for(r)
                        .into_iter()
                        .find_map(|id| bang_components::api::requests::given(id)),)*
                }
            }

            /// Decodes the payload of the endpoint `name` that arrives with `framing` on a
            /// connection speaking `dialect`; `None` when the dialect has no such endpoint.
            pub fn decode(
                dialect: WireDialect,
                framing: Framing,
                name: &str,
                payload: Value,
            ) -> Option<Result<Request, ApiError>> {
                $(
                    if <$endpoint as Endpoint>::FRAMING == framing
                        && <$endpoint as Endpoint>::NAME == name
                        && <$endpoint as Endpoint>::DIALECTS.contains(&dialect)
                    {
                        let payload = if <$endpoint as Endpoint>::IGNORES_PAYLOAD {
                            Value::Object(Default::default())
                        } else if payload.is_object() {
                            payload
                        } else {
                            let error = ApiError::unprocessable("payload must be a JSON object")
                                .with_code("invalid_frame");
                            return Some(Err(error));
                        };
                        return Some(decode_payload(payload).map(Request::$variant));
                    }
                )*
                None
            }

            /// Answers the request: the ownership check, the handler, the reply.
            pub(crate) fn run(
                self,
                world: &mut World,
                conn: ConnectionId,
                id: String,
                actor: Option<String>,
                received: Option<std::time::Instant>,
            ) {
                match self {
                    $(Request::$variant(r) => {
                        run::<$endpoint>(world, conn, id, r, actor, received)
                    })*
                }
            }
        }

        /// The wire names of `dialect`'s endpoints that arrive with `framing`, in table order.
        pub fn names(dialect: WireDialect, framing: Framing) -> Vec<&'static str> {
            let mut names = Vec::new();
            $(
                if <$endpoint as Endpoint>::FRAMING == framing
                    && <$endpoint as Endpoint>::DIALECTS.contains(&dialect)
                {
                    names.push(<$endpoint as Endpoint>::NAME);
                }
            )*
            names
        }

        /// Each endpoint's request and result schema, named `request.NAME` and `result.NAME`.
        pub fn schemas() -> Vec<(String, Schema)> {
            let mut out = Vec::new();
            $(
                let name = <$endpoint as Endpoint>::NAME;
                // An endpoint only the 2026-01 dialect has is named with that dialect first.
                let dialect = if <$endpoint as Endpoint>::DIALECTS.contains(&WireDialect::V2025_10) {
                    ""
                } else {
                    "2026-01."
                };
                out.push((
                    format!("{dialect}request.{name}"),
                    schema_for!(<$endpoint as Endpoint>::Request),
                ));
                out.push((
                    format!("{dialect}result.{name}"),
                    schema_for!(<$endpoint as Endpoint>::Result),
                ));
            )*
            out
        }
    };
}

endpoints! {
    Identify => crate::sessions::Identify,
    Subscribe => crate::sessions::Subscribe,
    ServerStatus => crate::server_status::ServerStatus,
    Join => crate::characters::Join,
    MyStatus => crate::characters::MyStatus,
    Move => crate::movement::Move,
    PlotCourse => crate::movement::PlotCourse,
    MyMap => crate::maps::MyMap,
    LocalMap => crate::maps::LocalMap,
    CheckTrade => crate::trade::CheckTrade,
    Trade => crate::trade::Trade,
    RechargeWarpPower => crate::warp_power::RechargeWarpPower,
    TransferWarpPower => crate::warp_power::TransferWarpPower,
    ResetPorts => crate::ports::ResetPorts,
    RegeneratePorts => crate::ports::RegeneratePorts,
    SendMessage => crate::chat::SendMessage,
    CombatInitiate => crate::combat::endpoints::Initiate,
    CombatAction => crate::combat::endpoints::Act,
    CombatStatus => crate::combat::endpoints::Status,
    LeaveFighters => crate::combat::garrisons::LeaveFighters,
    CollectFighters => crate::combat::garrisons::CollectFighters,
    SetGarrisonMode => crate::combat::garrisons::SetGarrisonMode,
    SalvageCollect => crate::combat::salvage::Collect,
    // Accounts (both dialects).
    AccountRegister => crate::accounts::player::Register,
    AccountLogin => crate::accounts::player::LogIn,
    AccountLogout => crate::accounts::player::LogOut,
    AccountChangePassword => crate::accounts::player::ChangePassword,
    AccountInfo => crate::accounts::player::Info,
    AccountCreate => crate::accounts::operator::Create,
    AccountResetPassword => crate::accounts::operator::ResetPassword,
    AccountMoveCharacter => crate::accounts::operator::MoveCharacter,
    // The 2026-01 dialect's own declarations (same names, that release's behaviour).
    Identify2026 => crate::v2026::sessions::Identify2026,
    Join2026 => crate::v2026::join::Join2026,
    MyStatus2026 => crate::v2026::join::MyStatus2026,
    Move2026 => crate::v2026::movement::Move2026,
    PlotCourse2026 => crate::v2026::movement::PlotCourse2026,
    TestReset => crate::v2026::reset::TestReset,
    Trade2026 => crate::v2026::trade::Trade2026,
    RechargeWarpPower2026 => crate::v2026::warp_power::RechargeWarpPower2026,
    TransferWarpPower2026 => crate::v2026::warp_power::TransferWarpPower2026,
    TransferCredits => crate::v2026::credits::TransferCredits,
    BankTransfer => crate::v2026::bank::BankTransfer,
    LocalMapRegion => crate::v2026::maps::LocalMapRegion,
    PurchaseFighters => crate::v2026::fighters::PurchaseFighters,
    CharacterInfo => crate::v2026::characters::CharacterInfoEndpoint,
    DumpCargo => crate::v2026::cargo::DumpCargo,
    SalvageCollect2026 => crate::v2026::cargo::SalvageCollect2026,
    PurchaseShip => crate::v2026::shipyard::PurchaseShip,
    LeaveFighters2026 => crate::v2026::garrisons::LeaveFighters2026,
    CollectFighters2026 => crate::v2026::garrisons::CollectFighters2026,
    SetGarrisonMode2026 => crate::v2026::garrisons::SetGarrisonMode2026,
    Initiate2026 => crate::v2026::combat::Initiate2026,
    Act2026 => crate::v2026::combat::Act2026,
    EventQuery => crate::v2026::event_query::EventQuery,
    ListKnownPorts => crate::v2026::known_ports::ListKnownPorts,
    PathWithRegion => crate::v2026::path_region::PathWithRegion,
    CreateCharacter => crate::v2026::character_admin::CreateCharacter,
    ModifyCharacter => crate::v2026::character_admin::ModifyCharacter,
    DeleteCharacter => crate::v2026::character_admin::DeleteCharacter,
    CreateCorporation => crate::v2026::corporations::membership::CreateCorporation,
    JoinCorporation => crate::v2026::corporations::membership::JoinCorporation,
    RegenerateInviteCode => crate::v2026::corporations::membership::RegenerateInviteCode,
    LeaveCorporation => crate::v2026::corporations::membership::LeaveCorporation,
    KickMember => crate::v2026::corporations::membership::KickMember,
    CorporationInfo => crate::v2026::corporations::info::CorporationInfoEndpoint,
    ListCorporations => crate::v2026::corporations::info::ListCorporations,
    MyCorporation => crate::v2026::corporations::info::MyCorporationEndpoint,
    LeaderboardResources => crate::v2026::leaderboard::LeaderboardResources,
}

/// A decoded client request, in arrival order.
#[derive(Message, Debug, Clone)]
pub struct RequestReceived {
    pub conn: ConnectionId,
    /// The request's `id`, already converted to the string the reply echoes.
    pub id: String,
    pub request: Request,
    /// Who acts for the request's character (`payload.actor_character_id`), if it says.
    pub actor: Option<String>,
    /// When the frame was read off the socket (for the server's latency metric).
    pub received: Option<std::time::Instant>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_name_is_unique_and_decodes_to_its_own_endpoint() {
        let old = WireDialect::V2025_10;
        let rpc = names(old, Framing::Rpc);
        let control = names(old, Framing::Control);
        assert_eq!((rpc.len(), control.len()), (29, 2));
        let mut all: Vec<_> = rpc.iter().chain(&control).collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 31, "a wire name is declared twice");
        for (framing, names) in [(Framing::Rpc, &rpc), (Framing::Control, &control)] {
            for name in names {
                // `{}` is a valid payload for every endpoint (missing fields are checked later).
                let request = Request::decode(old, framing, name, json!({}))
                    .expect("declared")
                    .expect("decodes");
                assert_eq!(request.endpoint_name(), *name);
            }
        }
        assert!(Request::decode(old, Framing::Rpc, "identify", json!({})).is_none());
        assert!(Request::decode(old, Framing::Control, "join", json!({})).is_none());
    }

    #[test]
    fn each_dialect_has_its_own_endpoints_under_unique_names() {
        let new = WireDialect::V2026_01;
        let rpc = names(new, Framing::Rpc);
        for name in [
            "join",
            "my_status",
            "move",
            "plot_course",
            "test.reset",
            "trade",
        ] {
            assert!(rpc.contains(&name), "{name} missing from 2026-01");
        }
        for gone in ["my_map", "local_map", "check_trade", "combat.status"] {
            assert!(!rpc.contains(&gone), "{gone} was dropped by 2026-01");
            assert!(Request::decode(new, Framing::Rpc, gone, json!({})).is_none());
        }
        let mut unique = rpc.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), rpc.len(), "a name declared twice in 2026-01");
        // One name, two declarations: each dialect decodes to its own.
        let old = Request::decode(WireDialect::V2025_10, Framing::Rpc, "join", json!({}));
        let ours = Request::decode(new, Framing::Rpc, "join", json!({}));
        assert!(matches!(old, Some(Ok(Request::Join(_)))));
        assert!(matches!(ours, Some(Ok(Request::Join2026(_)))));
        assert_eq!(names(new, Framing::Control), ["subscribe", "identify"]);
    }

    #[test]
    fn a_payload_that_is_not_an_object_is_refused_unless_ignored() {
        let error = Request::decode(WireDialect::V2025_10, Framing::Rpc, "join", json!([1]))
            .unwrap()
            .unwrap_err();
        assert_eq!(
            (error.status, error.code.as_deref()),
            (422, Some("invalid_frame"))
        );
        let status = Request::decode(
            WireDialect::V2025_10,
            Framing::Rpc,
            "server_status",
            json!("x"),
        )
        .unwrap();
        assert!(matches!(status, Ok(Request::ServerStatus(_))));
    }

    #[test]
    fn a_wrong_type_is_refused_naming_the_field() {
        let error = Request::decode(
            WireDialect::V2025_10,
            Framing::Rpc,
            "plot_course",
            json!({"to_sector": "nine"}),
        )
        .unwrap()
        .unwrap_err();
        assert_eq!(error.status, 422);
        assert!(error.detail.contains("to_sector"), "{}", error.detail);
    }

    #[test]
    fn every_endpoint_has_a_request_and_a_result_schema() {
        let schemas = schemas();
        assert_eq!(schemas.len(), 2 * 68);
        assert!(schemas.iter().any(|(n, _)| n == "2026-01.result.join"));
        assert!(schemas.iter().any(|(n, _)| n == "request.combat.action"));
        assert!(schemas.iter().any(|(n, _)| n == "result.subscribe"));
    }
}
