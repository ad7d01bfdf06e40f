/*
 * Names from ldap_schema/ that the C code uses. ldap_schema/authd.schema is
 * the definition; keep these in step with it.
 */
#ifndef AUTHD_SCHEMA_H
#define AUTHD_SCHEMA_H

#define AUTHD_OC_ACCOUNT          "authdAccount"        /* auxiliary, on people */

#define AUTHD_AT_STATE            "authdAccountState"   /* active|suspended|disabled|pendingDeletion */
#define AUTHD_AT_TYPE             "authdAccountType"    /* regular|privileged|shared|development|contractor|service */
#define AUTHD_AT_VALID_FROM       "authdValidFrom"      /* GeneralizedTime */
#define AUTHD_AT_VALID_UNTIL      "authdValidUntil"     /* GeneralizedTime */
#define AUTHD_AT_LAST_LOGIN_TIME  "authdLastLoginTime"
#define AUTHD_AT_LAST_LOGIN_HOST  "authdLastLoginHost"
#define AUTHD_AT_LAST_LOGIN_SVC   "authdLastLoginService"
#define AUTHD_AT_LAST_LOGOUT_TIME "authdLastLogoutTime"
#define AUTHD_AT_FAILED_LOGINS    "authdFailedLogins"   /* INTEGER: non-password factor
                                                          failures since the last success */
#define AUTHD_AT_STATE_REASON     "authdStateReason"    /* why the state was last changed */

/* IC cards: child entries authdCardSerial=S,uid=...,ou=people */
#define AUTHD_OC_CARD             "authdCard"
#define AUTHD_AT_CARD_CERT        "authdCardCertificate" /* DER */
#define AUTHD_AT_CARD_FINGERPRINT "authdCardFingerprint" /* SHA-256, lowercase hex */
#define AUTHD_AT_CARD_SERIAL      "authdCardSerial"
#define AUTHD_AT_CARD_ISSUER      "authdCardIssuer"
#define AUTHD_AT_CARD_STATE       "authdCardState"
#define AUTHD_AT_CARD_REGISTERED  "authdCardRegistered"
#define AUTHD_AT_CARD_VALID_UNTIL "authdCardValidUntil"
/* the card lifecycle (cards/card_state.h; written by authctl card ...) */
#define AUTHD_AT_CARD_SUSPENDED_UNTIL "authdCardSuspendedUntil" /* GT: suspended counts as active from then */
#define AUTHD_AT_CARD_STATE_REASON    "authdCardStateReason"
#define AUTHD_AT_CARD_STATE_CHANGED   "authdCardStateChanged"   /* GT */
#define AUTHD_AT_CARD_HISTORY         "authdCardHistory"        /* multi: "TIME STATE <ACTOR-DN> REASON" */
#define AUTHD_AT_CARD_REPLACES        "authdCardReplaces"       /* serial */
#define AUTHD_AT_CARD_REPLACED_BY     "authdCardReplacedBy"     /* serial */
#define AUTHD_AT_CARD_COLLECTED_BY    "authdCardCollectedBy"    /* DN */
#define AUTHD_AT_CARD_COLLECTED_TIME  "authdCardCollectedTime"  /* GT */
#define AUTHD_AT_CARD_DESTROYED_TIME  "authdCardDestroyedTime"  /* GT */
#define AUTHD_AT_CARD_DESTROY_METHOD  "authdCardDestroyMethod"
#define AUTHD_AT_CARD_DESTROY_HANDLER "authdCardDestroyHandler" /* DN */
#define AUTHD_AT_CARD_DESTROY_WITNESS "authdCardDestroyWitness" /* DN */
#define AUTHD_CARD_ISSUED         "issued"
#define AUTHD_CARD_ACTIVE         "active"
#define AUTHD_CARD_SUSPENDED      "suspended"
#define AUTHD_CARD_LOST           "lost"
#define AUTHD_CARD_REVOKED        "revoked"
#define AUTHD_CARD_REPLACED       "replaced"
#define AUTHD_CARD_COLLECTED      "collected"
#define AUTHD_CARD_DESTROYED      "destroyed"

/* standard attributes used */
#define AUTHD_AT_EMPLOYEE_NUMBER  "employeeNumber"      /* HR employee number */
#define AUTHD_AT_DEPARTMENT       "departmentNumber"    /* HR department code */

#define AUTHD_STATE_ACTIVE        "active"
#define AUTHD_STATE_SUSPENDED     "suspended"
#define AUTHD_STATE_DISABLED      "disabled"
#define AUTHD_STATE_PENDING_DEL   "pendingDeletion"

/* Login policies (authdPolicy entries under policy_dn; ldap_schema/README.md) */
#define AUTHD_OC_POLICY                "authdPolicy"
#define AUTHD_AT_POLICY_SERVICE        "authdPolicyService"       /* multi: PAM service, "*" any */
#define AUTHD_AT_POLICY_CLASS          "authdPolicyClass"         /* multi: 3A|3B|3C|2|1 */
#define AUTHD_AT_POLICY_REQUIRE        "authdPolicyRequire"       /* categories, see policy.h */
#define AUTHD_AT_POLICY_METHOD         "authdPolicyMethod"        /* multi: password|totp|fido2|card */
#define AUTHD_AT_POLICY_REMOTE_REQUIRE "authdPolicyRemoteRequire" /* instead of Require when rhost set */
#define AUTHD_AT_POLICY_REMOTE_METHOD  "authdPolicyRemoteMethod"  /* instead of Method when rhost set */

/* FIDO2 credentials: child entries cn=fido2-HASH of a person (authd/fido2.h) */
#define AUTHD_OC_FIDO_CRED        "authdFidoCredential"
#define AUTHD_OC_BIOMETRIC_MODEL  "authdBiometricModel"    /* cn=NAME,ou=models,BASE */
#define AUTHD_MODELS_RDN          "ou=models"
#define AUTHD_AT_FIDO_CRED_ID     "authdFidoCredentialId"   /* binary */
#define AUTHD_AT_FIDO_PUBKEY      "authdFidoPublicKey"      /* PEM */
#define AUTHD_AT_FIDO_ALG         "authdFidoAlgorithm"      /* COSE, -7 ES256 */
#define AUTHD_AT_FIDO_AAGUID      "authdFidoAaguid"
#define AUTHD_AT_FIDO_UV          "authdFidoUvCapable"      /* TRUE/FALSE */
#define AUTHD_AT_FIDO_SIGN_COUNT  "authdFidoSignCount"
#define AUTHD_AT_FIDO_RP_ID       "authdFidoRpId"
#define AUTHD_AT_FIDO_STATE       "authdFidoState"          /* active|revoked */
#define AUTHD_AT_FIDO_ATTESTATION "authdFidoAttestation"
#define AUTHD_AT_FIDO_ATT_CERT    "authdFidoAttestationCert" /* PEM */
#define AUTHD_OC_FIDO_ATTESTED    "authdFidoAttested"       /* aux: has ATT_CERT */
#define AUTHD_AT_FIDO_ENROLLED    "authdFidoEnrolled"
#define AUTHD_FIDO_RDN_PREFIX     "fido2-"

/* Privileged roles and grants (authd/grant.h; ldap_schema/README.md) */
#define AUTHD_OC_ROLE                  "authdRole"        /* cn=NAME,ou=roles,BASE */
#define AUTHD_AT_ROLE_MAX_GRANT        "authdRoleMaxGrant"        /* INTEGER seconds */
#define AUTHD_AT_ROLE_MAX_SESSION      "authdRoleMaxSession"      /* INTEGER seconds */
#define AUTHD_AT_ROLE_HOST             "authdRoleHost"            /* multi: host_name or "*" */
#define AUTHD_AT_ROLE_APPROVER         "authdRoleApprover"        /* multi DN: groupOfNames */
#define AUTHD_AT_ROLE_EMERGENCY        "authdRoleEmergency"       /* TRUE/FALSE */
#define AUTHD_AT_ROLE_EMERGENCY_DEADLINE "authdRoleEmergencyDeadline" /* INTEGER seconds */
#define AUTHD_AT_ROLE_REQUESTER        "authdRoleRequester"       /* multi DN: account or group */
#define AUTHD_OC_GRANT                 "authdGrant"       /* cn=ID,ou=grants,BASE */
#define AUTHD_AT_GRANT_ROLE            "authdGrantRole"           /* DN */
#define AUTHD_AT_GRANT_HOLDER          "authdGrantHolder"         /* DN of the account */
#define AUTHD_AT_GRANT_FROM            "authdGrantFrom"           /* GT */
#define AUTHD_AT_GRANT_UNTIL           "authdGrantUntil"          /* GT */
#define AUTHD_AT_GRANT_REASON          "authdGrantReason"
#define AUTHD_AT_GRANT_STATE           "authdGrantState"  /* requested|approved|denied|revoked */
#define AUTHD_AT_GRANT_EMERGENCY       "authdGrantEmergency"      /* TRUE/FALSE */
#define AUTHD_OC_APPROVAL              "authdApproval"    /* cn=approval,GRANT */
#define AUTHD_AT_APPROVAL_DECISION     "authdApprovalDecision"    /* approve|deny */
#define AUTHD_AT_APPROVAL_REASON       "authdApprovalReason"
#define AUTHD_GRANT_REQUESTED          "requested"
#define AUTHD_GRANT_APPROVED           "approved"
#define AUTHD_GRANT_DENIED             "denied"
#define AUTHD_GRANT_REVOKED            "revoked"
#define AUTHD_ROLES_RDN                "ou=roles"
#define AUTHD_CISO_GROUP_RDN           "cn=ciso,ou=groups"   /* ,BASE: the CISO members (root writes it) */
#define AUTHD_GRANTS_RDN               "ou=grants"
#define AUTHD_APPROVAL_RDN             "cn=approval"
#define AUTHD_PRIVILEGED_POLICY_RDN    "cn=privileged"    /* ,ou=policies,BASE: pwdMaxFailure 3 */
#define AUTHD_DEFAULT_PPOLICY_RDN      "cn=default,ou=policies"  /* ,BASE: slapo-ppolicy's default (decoy locks) */

/* Audit checkpoints: child entries of ou=audit (common/audit.h) */
#define AUTHD_OC_CHECKPOINT       "authdAuditCheckpoint"
#define AUTHD_AT_CP_HOST          "authdCheckpointHost"
#define AUTHD_AT_CP_CHAIN         "authdCheckpointChain"
#define AUTHD_AT_CP_SEQ           "authdCheckpointSeq"
#define AUTHD_AT_CP_HASH          "authdCheckpointHash"
#define AUTHD_AT_CP_TIME          "authdCheckpointTime"
#define AUTHD_AUDIT_RDN           "ou=audit"

#endif
