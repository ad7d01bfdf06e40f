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

/* standard attributes used */
#define AUTHD_AT_EMPLOYEE_NUMBER  "employeeNumber"      /* HR employee number */
#define AUTHD_AT_DEPARTMENT       "departmentNumber"    /* HR department code */

#define AUTHD_STATE_ACTIVE        "active"
#define AUTHD_STATE_SUSPENDED     "suspended"
#define AUTHD_STATE_DISABLED      "disabled"
#define AUTHD_STATE_PENDING_DEL   "pendingDeletion"

#endif
