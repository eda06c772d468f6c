//! The built-in rule set, written for Tollgate. Each rule has an id, a category, a severity,
//! keywords and a regex, and the check its candidates must pass.
//!
//! Conventions every rule follows (tests enforce them):
//! - the value to redact is the named group `secret` (assignment rules also name the `key`);
//! - every match contains one of the rule's keywords (compared case-insensitively), so the
//!   Aho-Corasick prefilter never hides a match; rules without keywords are scoped to a few
//!   file names, never run on every file;
//! - patterns are compiled with Unicode off (`\w`, `\s`, `\d`, `\b` are ASCII) and stay on one
//!   line (`[ \t]` rather than `\s` around separators), so a finding has one line;
//! - PEM markers are written `-{5}` so this source file is not itself a private-key match.

use tollgate_facts::Severity;

use crate::checks::{self, Check};

/// Where a rule runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// On every scanned file whose content has one of the rule's keywords.
    Anywhere,
    /// Only on files whose path ends with one of these suffixes (`/.netrc`).
    PathEndsWith(&'static [&'static str]),
}

impl Scope {
    pub(crate) fn matches(self, path: &str) -> bool {
        match self {
            Scope::Anywhere => true,
            Scope::PathEndsWith(suffixes) => suffixes.iter().any(|suffix| path.ends_with(suffix)),
        }
    }
}

/// A built-in rule as written.
pub(crate) struct RuleDef {
    pub id: &'static str,
    pub category: &'static str,
    pub severity: Severity,
    pub keywords: &'static [&'static str],
    pub pattern: &'static str,
    pub description: &'static str,
    pub check: Check,
    pub scope: Scope,
    /// Overlapping findings keep the most specific rule: 0 generic, 1 a service's format,
    /// 2 a format tied to a file (a Docker config, a `.netrc`).
    pub specificity: u8,
}

const fn rule(
    id: &'static str,
    category: &'static str,
    severity: Severity,
    keywords: &'static [&'static str],
    pattern: &'static str,
    description: &'static str,
) -> RuleDef {
    RuleDef {
        id,
        category,
        severity,
        keywords,
        pattern,
        description,
        check: checks::token,
        scope: Scope::Anywhere,
        specificity: 1,
    }
}

impl RuleDef {
    const fn check(mut self, check: Check) -> Self {
        self.check = check;
        self
    }
    const fn scope(mut self, scope: Scope) -> Self {
        self.scope = scope;
        self
    }
    const fn specificity(mut self, specificity: u8) -> Self {
        self.specificity = specificity;
        self
    }
}

use Severity::{Critical, High, Low, Medium};

/// Separator between a key and its value in config files, env files, YAML, JSON, code.
macro_rules! assign {
    () => {
        r#"['"]?[ \t]*(?:=|:=|:|=>)[ \t]*['"]?"#
    };
}

/// The separator of the generic rules, which capture the value's quotes themselves so that
/// a quoted value with spaces is captured (and redacted) whole.
macro_rules! sep {
    () => {
        r#"['"]?[ \t]*(?:=|:=|:|=>)[ \t]*"#
    };
}

/// The end of a token whose alphabet is `[A-Za-z0-9_-]` (`\b` does not see `-`).
macro_rules! end {
    () => {
        r"(?:[^A-Za-z0-9_-]|$)"
    };
}

/// A PEM private-key block of one type: the optional RFC 1421 headers (encrypted keys)
/// and a base64 body of 64 characters or more; line breaks may be real or `\n` escapes
/// (keys inside JSON or YAML strings).
macro_rules! pem {
    ($label:literal) => {
        concat!(
            r"-{5}BEGIN ",
            $label,
            r"-{5}[ \t]*(?:\r?\n|\\n)(?:[A-Za-z-]+:[^\r\n]*(?:\r?\n|\\n))*(?:\r?\n|\\n)?",
            r"(?P<secret>(?:[A-Za-z0-9+/=]|\r?\n|\\n){64,})"
        )
    };
}

/// Every built-in rule.
pub(crate) const BUILTIN: &[RuleDef] = &[
    // ---- cloud providers ----
    rule("aws-access-key-id", "cloud", High, &["akia", "asia", "abia", "acca", "a3t"],
        r"\b(?P<secret>(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b",
        "AWS access key id").check(checks::aws_token),
    rule("aws-secret-access-key", "cloud", Critical, &["aws"],
        concat!(r"(?i:aws)[\w.-]{0,20}?(?i:secret|private|sk)[\w.-]{0,20}?", assign!(), r"(?P<secret>[A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)"),
        "AWS secret access key next to an AWS keyword").check(checks::aws_token),
    rule("aws-session-token", "cloud", High, &["aws"],
        concat!(r"(?i:aws[_.-]?session[_.-]?token)", assign!(), r"(?P<secret>[A-Za-z0-9/+=]{100,})"),
        "AWS temporary session token").check(checks::aws_token),
    rule("aws-mws-auth-token", "cloud", High, &["amzn.mws."],
        r"\b(?P<secret>amzn\.mws\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b",
        "Amazon Marketplace Web Service auth token"),
    rule("gcp-service-account-key", "cloud", Critical, &["\"private_key\""],
        r#""private_key"[ \t]*:[ \t]*"(?P<secret>-{5}BEGIN (?:RSA )?PRIVATE KEY-{5}\\n(?:[A-Za-z0-9+/=]|\\n){64,})"#,
        "Google Cloud service-account JSON key").check(checks::gcp_service_account).specificity(2),
    rule("gcp-api-key", "cloud", High, &["aiza"],
        concat!(r"\b(?P<secret>AIza[0-9A-Za-z_-]{35})", end!()),
        "Google Cloud API key"),
    rule("gcp-oauth-client-secret", "cloud", High, &["gocspx-"],
        concat!(r"\b(?P<secret>GOCSPX-[0-9A-Za-z_-]{28})", end!()),
        "Google OAuth client secret"),
    rule("google-oauth-access-token", "cloud", High, &["ya29."],
        r"\b(?P<secret>ya29\.[0-9A-Za-z_-]{30,})",
        "Google OAuth access token"),
    rule("azure-storage-connection-string", "cloud", Critical, &["defaultendpointsprotocol"],
        r#"(?i:DefaultEndpointsProtocol)=https?;[^\r\n"']*?(?i:AccountKey)=(?P<secret>[A-Za-z0-9+/]{86}==)"#,
        "Azure storage connection string with an account key").specificity(2),
    rule("azure-storage-account-key", "cloud", Critical, &["accountkey", "azure"],
        concat!(r"(?:(?i:AccountKey)[ \t]*=[ \t]*|(?i:azure)[\w.-]{0,30}?(?i:key)", assign!(), r")(?P<secret>[A-Za-z0-9+/]{86}==)"),
        "Azure storage account key"),
    rule("azure-sas-token", "cloud", High, &["sig="],
        r#"\bsv=[0-9]{4}-[0-9]{2}-[0-9]{2}&[^\s"'<>]*?\bsig=(?P<secret>[A-Za-z0-9%+/]{40,120})"#,
        "Azure shared access signature"),
    rule("azure-ad-client-secret", "cloud", High, &["q~"],
        r"(?:^|[^A-Za-z0-9_~.-])(?P<secret>[A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34})(?:[^A-Za-z0-9_~.-]|$)",
        "Azure Entra ID (AD) application client secret").check(checks::high_entropy),
    rule("azure-devops-pat", "cloud", High, &["azure", "devops"],
        concat!(r"(?i:azure|devops)[\w.-]{0,20}?(?i:pat|token)", assign!(), r"(?P<secret>[a-z2-7]{52})\b"),
        "Azure DevOps personal access token"),
    rule("alibaba-access-key-id", "cloud", High, &["ltai"],
        r"\b(?P<secret>LTAI[A-Za-z0-9]{12,20})\b",
        "Alibaba Cloud access key id"),
    rule("alibaba-access-key-secret", "cloud", Critical, &["alibaba", "aliyun"],
        concat!(r"(?i:alibaba|aliyun)[\w.-]{0,20}?(?i:secret)", assign!(), r"(?P<secret>[A-Za-z0-9]{30})\b"),
        "Alibaba Cloud access key secret").check(checks::high_entropy),
    rule("ibm-cloud-api-key", "cloud", High, &["ibm"],
        concat!(r"(?i:ibm)[\w.-]{0,20}?(?i:key)", assign!(), r"(?P<secret>[A-Za-z0-9_-]{44})", end!()),
        "IBM Cloud API key").check(checks::high_entropy),
    rule("digitalocean-pat", "cloud", High, &["dop_v1_"],
        r"\b(?P<secret>dop_v1_[a-f0-9]{64})\b", "DigitalOcean personal access token"),
    rule("digitalocean-oauth-token", "cloud", High, &["doo_v1_"],
        r"\b(?P<secret>doo_v1_[a-f0-9]{64})\b", "DigitalOcean OAuth access token"),
    rule("digitalocean-refresh-token", "cloud", High, &["dor_v1_"],
        r"\b(?P<secret>dor_v1_[a-f0-9]{64})\b", "DigitalOcean OAuth refresh token"),
    rule("heroku-api-key", "cloud", High, &["heroku"],
        concat!(r"(?i:heroku)[\w.-]{0,20}?(?i:key|token|secret)", assign!(), r"(?P<secret>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\b"),
        "Heroku API key (UUID form, next to a Heroku keyword)"),
    rule("heroku-api-key-v2", "cloud", High, &["hrku-"],
        concat!(r"\b(?P<secret>HRKU-AA[0-9A-Za-z_-]{58})", end!()), "Heroku API key"),
    rule("cloudflare-api-token", "cloud", High, &["cloudflare"],
        concat!(r"(?i:cloudflare)[\w.-]{0,20}?(?i:token|key)", assign!(), r"(?P<secret>[A-Za-z0-9_-]{37,40})", end!()),
        "Cloudflare API token or global API key").check(checks::high_entropy),
    rule("cloudflare-origin-ca-key", "cloud", High, &["v1.0-"],
        r"\b(?P<secret>v1\.0-[a-f0-9]{24}-[a-f0-9]{146})\b", "Cloudflare origin CA key"),
    rule("flyio-access-token", "cloud", High, &["fo1_"],
        concat!(r"\b(?P<secret>fo1_[A-Za-z0-9_-]{43})", end!()), "Fly.io access token"),
    rule("hashicorp-terraform-token", "cloud", High, &[".atlasv1."],
        concat!(r"\b(?P<secret>[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70})", end!()),
        "HashiCorp Terraform Cloud API token"),
    rule("hashicorp-vault-service-token", "cloud", Critical, &["hvs."],
        concat!(r"\b(?P<secret>hvs\.[A-Za-z0-9_-]{90,120})", end!()), "HashiCorp Vault service token"),
    rule("hashicorp-vault-batch-token", "cloud", High, &["hvb."],
        concat!(r"\b(?P<secret>hvb\.[A-Za-z0-9_-]{138,300})", end!()), "HashiCorp Vault batch token"),
    rule("hashicorp-vault-legacy-token", "cloud", High, &["vault_token", "vault-token"],
        concat!(r"(?i:vault[_-]token)", assign!(), r"(?P<secret>s\.[A-Za-z0-9]{24})\b"),
        "HashiCorp Vault token in the legacy format"),
    rule("databricks-token", "cloud", High, &["dapi"],
        r"\b(?P<secret>dapi[a-f0-9]{32}(?:-[0-9])?)\b", "Databricks personal access token"),
    rule("pulumi-access-token", "cloud", High, &["pul-"],
        r"\b(?P<secret>pul-[a-f0-9]{40})\b", "Pulumi access token"),
    rule("doppler-token", "cloud", High, &["dp.pt.", "dp.st.", "dp.sa.", "dp.ct.", "dp.scim.", "dp.audit."],
        r"\b(?P<secret>dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44})\b", "Doppler token"),
    rule("planetscale-token", "database", High, &["pscale_tkn_", "pscale_oauth_", "pscale_pw_"],
        concat!(r"\b(?P<secret>pscale_(?:tkn|oauth|pw)_[A-Za-z0-9_.-]{32,64})", end!()),
        "PlanetScale service token, OAuth token or password"),
    rule("supabase-access-token", "database", High, &["sbp_"],
        r"\b(?P<secret>sbp_[a-f0-9]{40})\b", "Supabase access token"),
    // ---- version control ----
    rule("github-pat", "vcs", Critical, &["ghp_"],
        r"\b(?P<secret>ghp_[A-Za-z0-9]{36})\b", "GitHub personal access token (classic)"),
    rule("github-oauth-token", "vcs", Critical, &["gho_"],
        r"\b(?P<secret>gho_[A-Za-z0-9]{36})\b", "GitHub OAuth access token"),
    rule("github-user-token", "vcs", Critical, &["ghu_"],
        r"\b(?P<secret>ghu_[A-Za-z0-9]{36})\b", "GitHub App user-to-server token"),
    rule("github-server-token", "vcs", Critical, &["ghs_"],
        r"\b(?P<secret>ghs_[A-Za-z0-9]{36})\b", "GitHub App server-to-server (installation) token"),
    rule("github-refresh-token", "vcs", Critical, &["ghr_"],
        r"\b(?P<secret>ghr_[A-Za-z0-9]{36,76})\b", "GitHub refresh token"),
    rule("github-fine-grained-pat", "vcs", Critical, &["github_pat_"],
        r"\b(?P<secret>github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})\b", "GitHub fine-grained personal access token"),
    rule("gitlab-pat", "vcs", Critical, &["glpat-"],
        concat!(r"\b(?P<secret>glpat-[0-9A-Za-z_-]{20,64})", end!()), "GitLab personal access token"),
    rule("gitlab-pipeline-trigger-token", "vcs", High, &["glptt-"],
        r"\b(?P<secret>glptt-[0-9a-f]{40})\b", "GitLab pipeline trigger token"),
    rule("gitlab-runner-registration-token", "vcs", High, &["gr1348941"],
        concat!(r"\b(?P<secret>GR1348941[0-9A-Za-z_-]{20})", end!()), "GitLab runner registration token"),
    rule("gitlab-runner-auth-token", "vcs", High, &["glrt-"],
        concat!(r"\b(?P<secret>glrt-[0-9A-Za-z_-]{20,64})", end!()), "GitLab runner authentication token"),
    rule("gitlab-deploy-token", "vcs", High, &["gldt-"],
        concat!(r"\b(?P<secret>gldt-[0-9A-Za-z_-]{20,64})", end!()), "GitLab deploy token"),
    rule("gitlab-feed-token", "vcs", Medium, &["glft-"],
        concat!(r"\b(?P<secret>glft-[0-9A-Za-z_-]{20,64})", end!()), "GitLab feed token"),
    rule("gitlab-oauth-app-secret", "vcs", High, &["gloas-"],
        concat!(r"\b(?P<secret>gloas-[0-9A-Za-z_-]{64})", end!()), "GitLab OAuth application secret"),
    rule("gitlab-cicd-job-token", "vcs", High, &["glcbt-"],
        concat!(r"\b(?P<secret>glcbt-[0-9A-Za-z]{1,5}_[0-9A-Za-z_-]{20})", end!()), "GitLab CI/CD job token"),
    rule("gitlab-incoming-mail-token", "vcs", Medium, &["glimt-"],
        concat!(r"\b(?P<secret>glimt-[0-9A-Za-z_-]{25})", end!()), "GitLab incoming mail token"),
    rule("gitlab-agent-token", "vcs", High, &["glagent-"],
        concat!(r"\b(?P<secret>glagent-[0-9A-Za-z_-]{50})", end!()), "GitLab agent for Kubernetes token"),
    rule("gitlab-scim-token", "vcs", High, &["glsoat-"],
        concat!(r"\b(?P<secret>glsoat-[0-9A-Za-z_-]{20})", end!()), "GitLab SCIM OAuth token"),
    rule("bitbucket-app-password", "vcs", High, &["atbb"],
        concat!(r"\b(?P<secret>ATBB[A-Za-z0-9_=.-]{32})", end!()), "Bitbucket app password"),
    // ---- CI, package and container registries ----
    rule("npm-access-token", "registry", Critical, &["npm_"],
        r"\b(?P<secret>npm_[A-Za-z0-9]{36})\b", "npm access token"),
    rule("npmrc-auth-token", "registry", High, &["_authtoken"],
        r#"(?i:_authToken)[ \t]*=[ \t]*(?P<secret>"[^"\r\n]{8,}"|'[^'\r\n]{8,}'|[^\s'"]{8,})"#,
        "registry token in an .npmrc `_authToken`"),
    rule("npmrc-auth", "registry", High, &["_auth"],
        r"(?m)^[ \t]*(?:[^\s=]*:)?_auth[ \t]*=[ \t]*['\x22]?(?P<secret>[A-Za-z0-9+/]{8,}={0,2})",
        "base64 `user:password` in an .npmrc `_auth`").check(checks::basic_auth),
    rule("pypi-upload-token", "registry", Critical, &["pypi-ageichlwas5vcmc", "pypi-agendgvzdc5wexbplm9yzw"],
        concat!(r"\b(?P<secret>pypi-AgE(?:IcHlwaS5vcmc|NdGVzdC5weXBpLm9yZw)[A-Za-z0-9_-]{50,})", end!()),
        "PyPI upload token"),
    rule("rubygems-api-key", "registry", High, &["rubygems_"],
        r"\b(?P<secret>rubygems_[a-f0-9]{48})\b", "RubyGems API key"),
    rule("nuget-api-key", "registry", High, &["oy2"],
        r"\b(?P<secret>oy2[a-z0-9]{43})\b", "NuGet API key"),
    rule("dockerhub-pat", "registry", Critical, &["dckr_pat_", "dckr_oat_"],
        concat!(r"\b(?P<secret>dckr_(?:pat|oat)_[A-Za-z0-9_-]{27,32})", end!()),
        "Docker Hub personal or organisation access token"),
    rule("docker-config-auth", "registry", Critical, &["\"auth\""],
        r#""auth"[ \t]*:[ \t]*"(?P<secret>[A-Za-z0-9+/]{4,}={0,2})""#,
        "registry credentials in a Docker config.json `auths` entry").check(checks::docker_auth).specificity(2),
    rule("docker-config-identity-token", "registry", Critical, &["\"identitytoken\""],
        r#""identitytoken"[ \t]*:[ \t]*"(?P<secret>[^"\r\n]{16,})""#,
        "registry identity token in a Docker config.json").specificity(2),
    rule("artifactory-api-key", "registry", High, &["akcp"],
        r"\b(?P<secret>AKCp[A-Za-z0-9]{69})\b", "JFrog Artifactory API key"),
    rule("artifactory-reference-token", "registry", High, &["cmvmd"],
        r"\b(?P<secret>cmVmd[A-Za-z0-9]{59})\b", "JFrog Artifactory reference token"),
    rule("sonarqube-token", "ci", High, &["sqp_", "squ_", "sqa_"],
        r"\b(?P<secret>sq[pua]_[a-f0-9]{40})\b", "SonarQube token"),
    rule("kubeconfig-client-key", "private-key", Critical, &["client-key-data"],
        r"client-key-data:[ \t]*['\x22]?(?P<secret>[A-Za-z0-9+/]{64,}={0,2})",
        "private key embedded in a kubeconfig").check(checks::pem_in_base64).specificity(2),
    // ---- messaging and e-mail ----
    rule("slack-bot-token", "messaging", High, &["xoxb-"],
        r"\b(?P<secret>xoxb-[0-9]{10,13}-[0-9]{10,13}-[A-Za-z0-9]{24,34})\b", "Slack bot token"),
    rule("slack-user-token", "messaging", High, &["xoxp-"],
        r"\b(?P<secret>xoxp-(?:[0-9]{10,13}-){3}[A-Za-z0-9]{28,34})\b", "Slack user token"),
    rule("slack-app-token", "messaging", High, &["xapp-"],
        r"\b(?P<secret>xapp-[0-9]-[A-Z0-9]{9,11}-[0-9]{10,13}-[a-f0-9]{64})\b", "Slack app-level token"),
    rule("slack-legacy-token", "messaging", High, &["xoxa-", "xoxo-", "xoxr-", "xoxs-"],
        r"\b(?P<secret>xox[aors]-(?:[0-9]{1,13}-){1,3}[A-Za-z0-9]{16,64})\b", "Slack legacy workspace or refresh token"),
    rule("slack-config-token", "messaging", High, &["xoxe"],
        r"\b(?P<secret>xoxe(?:\.xox[bp])?-[0-9]-[A-Z0-9]{140,170})\b", "Slack configuration access or refresh token"),
    rule("slack-webhook-url", "messaging", High, &["hooks.slack.com"],
        r"hooks\.slack\.com/(?:services|workflows|triggers)/(?P<secret>[A-Za-z0-9_/+-]{36,120})",
        "Slack incoming webhook URL"),
    rule("discord-bot-token", "messaging", High, &["discord"],
        concat!(r"(?i:discord)[\w.-]{0,20}?(?i:token)", assign!(), r"(?P<secret>[MNO][A-Za-z0-9_-]{23,25}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,38})", end!()),
        "Discord bot token"),
    rule("discord-webhook-url", "messaging", High, &["discord.com/api/webhooks", "discordapp.com/api/webhooks"],
        concat!(r"discord(?:app)?\.com/api/webhooks/[0-9]{17,20}/(?P<secret>[A-Za-z0-9_-]{60,68})", end!()),
        "Discord webhook URL"),
    rule("telegram-bot-token", "messaging", High, &[":aa"],
        concat!(r"\b(?P<secret>[0-9]{8,10}:AA[0-9A-Za-z_-]{33})", end!()), "Telegram bot token"),
    rule("twilio-api-key", "messaging", High, &["twilio"],
        concat!(r"(?i:twilio)[\w.-]{0,30}?", assign!(), r"(?P<secret>SK[0-9a-fA-F]{32})\b"),
        "Twilio API key SID next to a Twilio keyword"),
    rule("twilio-auth-token", "messaging", High, &["twilio"],
        concat!(r"(?i:twilio)[\w.-]{0,20}?(?i:auth|token|secret)[\w.-]{0,10}?", assign!(), r"(?P<secret>[a-f0-9]{32})\b"),
        "Twilio auth token"),
    rule("sendgrid-api-key", "email", High, &["sg."],
        concat!(r"\b(?P<secret>SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})", end!()), "SendGrid API key"),
    rule("mailgun-api-key", "email", High, &["key-"],
        r"\b(?P<secret>key-[0-9a-f]{32})\b", "Mailgun private API key"),
    rule("mailchimp-api-key", "email", High, &["mailchimp"],
        concat!(r"(?i:mailchimp)[\w.-]{0,20}?", assign!(), r"(?P<secret>[0-9a-f]{32}-us[0-9]{1,2})\b"),
        "Mailchimp API key"),
    rule("mailersend-api-token", "email", High, &["mlsn."],
        r"\b(?P<secret>mlsn\.[a-z0-9]{64})\b", "MailerSend API token"),
    // ---- payment ----
    rule("stripe-secret-key", "payment", Critical, &["sk_live_"],
        r"\b(?P<secret>sk_live_[0-9A-Za-z]{24,99})\b", "Stripe live secret key"),
    rule("stripe-restricted-key", "payment", High, &["rk_live_"],
        r"\b(?P<secret>rk_live_[0-9A-Za-z]{24,99})\b", "Stripe live restricted key"),
    rule("stripe-test-secret-key", "payment", Low, &["sk_test_"],
        r"\b(?P<secret>sk_test_[0-9A-Za-z]{24,99})\b", "Stripe test-mode secret key"),
    rule("stripe-webhook-secret", "payment", Medium, &["whsec_"],
        r"\b(?P<secret>whsec_[A-Za-z0-9+/]{32,64})", "Stripe webhook signing secret"),
    rule("square-access-token", "payment", High, &["sq0atp-"],
        concat!(r"\b(?P<secret>sq0atp-[0-9A-Za-z_-]{22})", end!()), "Square access token"),
    rule("square-oauth-secret", "payment", High, &["sq0csp-"],
        concat!(r"\b(?P<secret>sq0csp-[0-9A-Za-z_-]{43})", end!()), "Square OAuth application secret"),
    rule("braintree-access-token", "payment", Critical, &["access_token$production$"],
        r"(?P<secret>access_token\$production\$[0-9a-z]{16}\$[0-9a-f]{32})", "Braintree production access token"),
    rule("plaid-access-token", "payment", High, &["access-production-", "access-development-", "access-sandbox-"],
        r"\b(?P<secret>access-(?:production|development|sandbox)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b",
        "Plaid access token"),
    rule("flutterwave-secret-key", "payment", High, &["flwseck"],
        r"\b(?P<secret>FLWSECK(?:_TEST)?-[a-h0-9]{32}-X)", "Flutterwave secret key"),
    rule("shopify-access-token", "saas", High, &["shpat_"],
        r"\b(?P<secret>shpat_[a-fA-F0-9]{32})\b", "Shopify Admin API access token"),
    rule("shopify-custom-app-token", "saas", High, &["shpca_"],
        r"\b(?P<secret>shpca_[a-fA-F0-9]{32})\b", "Shopify custom app access token"),
    rule("shopify-private-app-token", "saas", High, &["shppa_"],
        r"\b(?P<secret>shppa_[a-fA-F0-9]{32})\b", "Shopify private app access token"),
    rule("shopify-shared-secret", "saas", High, &["shpss_"],
        r"\b(?P<secret>shpss_[a-fA-F0-9]{32})\b", "Shopify app shared secret"),
    // ---- AI services ----
    rule("openai-api-key", "ai", Critical, &["t3blbkfj"],
        concat!(r"\b(?P<secret>sk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,200}|[A-Za-z0-9]{20})T3BlbkFJ[A-Za-z0-9_-]{20,200})", end!()),
        "OpenAI API key"),
    rule("anthropic-api-key", "ai", Critical, &["sk-ant-"],
        concat!(r"\b(?P<secret>sk-ant-(?:api|admin)[0-9]{2}-[A-Za-z0-9_-]{80,100}AA)", end!()),
        "Anthropic API or admin key"),
    rule("huggingface-token", "ai", High, &["hf_"],
        r"\b(?P<secret>hf_[A-Za-z]{34})\b", "Hugging Face access token"),
    rule("groq-api-key", "ai", High, &["gsk_"],
        r"\b(?P<secret>gsk_[A-Za-z0-9]{52})\b", "Groq API key"),
    rule("replicate-api-token", "ai", High, &["r8_"],
        r"\b(?P<secret>r8_[A-Za-z0-9]{37})\b", "Replicate API token"),
    rule("perplexity-api-key", "ai", High, &["pplx-"],
        r"\b(?P<secret>pplx-[A-Za-z0-9]{48})\b", "Perplexity API key"),
    rule("xai-api-key", "ai", High, &["xai-"],
        r"\b(?P<secret>xai-[A-Za-z0-9]{80})\b", "xAI API key"),
    // ---- other services ----
    rule("atlassian-api-token", "saas", High, &["atatt3"],
        concat!(r"\b(?P<secret>ATATT3[A-Za-z0-9_=-]{150,250})", end!()), "Atlassian (Jira, Confluence) API token"),
    rule("grafana-cloud-token", "saas", High, &["glc_"],
        r"\b(?P<secret>glc_[A-Za-z0-9+/]{32,400}={0,2})", "Grafana Cloud API token"),
    rule("grafana-service-account-token", "saas", High, &["glsa_"],
        r"\b(?P<secret>glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})\b", "Grafana service-account token"),
    rule("newrelic-user-api-key", "saas", High, &["nrak-"],
        r"\b(?P<secret>NRAK-[A-Z0-9]{27})\b", "New Relic user API key"),
    rule("datadog-api-key", "saas", High, &["datadog", "dd_api", "dd_app", "dd-api", "dd-app"],
        concat!(r"(?i:datadog[\w.-]{0,20}?(?:api|app)[_.-]?key|dd[_-](?:api|app)[_-]?key)", assign!(), r"(?P<secret>[a-f0-9]{40}|[a-f0-9]{32})\b"),
        "Datadog API or application key"),
    rule("sentry-org-token", "saas", High, &["sntrys_"],
        r"\b(?P<secret>sntrys_[A-Za-z0-9+/=_]{60,})", "Sentry organisation auth token"),
    rule("sentry-user-token", "saas", High, &["sntryu_"],
        r"\b(?P<secret>sntryu_[a-f0-9]{64})\b", "Sentry user auth token"),
    rule("postman-api-key", "saas", High, &["pmak-"],
        r"\b(?P<secret>PMAK-[a-f0-9]{24}-[a-f0-9]{34})\b", "Postman API key"),
    rule("linear-api-key", "saas", High, &["lin_api_"],
        r"\b(?P<secret>lin_api_[A-Za-z0-9]{40})\b", "Linear API key"),
    rule("notion-token", "saas", High, &["ntn_"],
        r"\b(?P<secret>ntn_[0-9]{11}[A-Za-z0-9]{35})\b", "Notion integration token"),
    rule("hubspot-private-app-token", "saas", High, &["pat-na1-", "pat-eu1-"],
        r"\b(?P<secret>pat-(?:na|eu)1-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b",
        "HubSpot private app token"),
    rule("mapbox-secret-token", "saas", High, &["sk.eyj"],
        concat!(r"\b(?P<secret>sk\.eyJ[A-Za-z0-9_-]{50,}\.[A-Za-z0-9_-]{20,})", end!()), "Mapbox secret token"),
    rule("okta-api-token", "saas", High, &["okta"],
        concat!(r"(?i:okta)[\w.-]{0,20}?(?i:token|key)", assign!(), r"(?P<secret>00[A-Za-z0-9_-]{40})", end!()),
        "Okta API token"),
    rule("twitter-bearer-token", "saas", High, &["aaaaaaaaaaaaaaaaaaaaa"],
        r"\b(?P<secret>A{22}[A-Za-z0-9%]{80,120})", "Twitter (X) API bearer token"),
    // ---- private keys ----
    rule("private-key-rsa", "private-key", Critical, &["begin rsa private key"],
        pem!("RSA PRIVATE KEY"), "PEM RSA private key (PKCS#1, plain or encrypted)").check(checks::always),
    rule("private-key-ec", "private-key", Critical, &["begin ec private key"],
        pem!("EC PRIVATE KEY"), "PEM elliptic-curve private key (SEC 1)").check(checks::always),
    rule("private-key-dsa", "private-key", Critical, &["begin dsa private key"],
        pem!("DSA PRIVATE KEY"), "PEM DSA private key").check(checks::always),
    rule("private-key-pkcs8", "private-key", Critical, &["begin private key"],
        pem!("PRIVATE KEY"), "PEM PKCS#8 private key").check(checks::always),
    rule("private-key-pkcs8-encrypted", "private-key", High, &["begin encrypted private key"],
        pem!("ENCRYPTED PRIVATE KEY"), "PEM encrypted PKCS#8 private key").check(checks::always),
    rule("private-key-openssh", "private-key", Critical, &["begin openssh private key"],
        pem!("OPENSSH PRIVATE KEY"), "OpenSSH private key").check(checks::always),
    rule("private-key-pgp", "private-key", Critical, &["begin pgp private key block"],
        pem!("PGP PRIVATE KEY BLOCK"), "PGP (OpenPGP) private key block").check(checks::always),
    rule("private-key-putty", "private-key", Critical, &["putty-user-key-file-"],
        r"PuTTY-User-Key-File-[0-9]+:[^\r\n]*\r?\n(?:[^\r\n]*\r?\n){0,64}?Private-Lines:[ \t]*[0-9]+\r?\n(?P<secret>(?:[A-Za-z0-9+/=]|\r?\n){64,})",
        "PuTTY private key file").check(checks::always),
    rule("private-key-ssh2-encrypted", "private-key", High, &["begin ssh2 encrypted private key"],
        r"-{4} BEGIN SSH2 ENCRYPTED PRIVATE KEY -{4}\r?\n(?:[A-Za-z-]+:[^\r\n]*\r?\n)*(?P<secret>(?:[A-Za-z0-9+/=]|\r?\n){64,})",
        "SSH.com (SSH2) encrypted private key").check(checks::always),
    rule("age-secret-key", "private-key", Critical, &["age-secret-key-1"],
        r"\b(?P<secret>AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})\b", "age encryption secret key"),
    // ---- tokens and credentials in common formats ----
    rule("jwt", "token", Medium, &["eyj"],
        concat!(r"\b(?P<secret>eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})", end!()),
        "JSON Web Token").check(checks::jwt),
    rule("url-credentials", "credential", High, &["://"],
        r#"\b[A-Za-z][A-Za-z0-9+.-]{1,20}://[^\s:/@'"`<>]*:(?P<secret>[^\s/@'"`<>]{3,})@[A-Za-z0-9\[]"#,
        "password in a URL (`scheme://user:password@host`)").check(checks::url_password),
    rule("git-credentials", "credential", High, &["://"],
        r"(?m)^[ \t]*[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]*:(?P<secret>[^\s@]+)@",
        "credential stored by git's credential store (`.git-credentials`)")
        .check(checks::not_placeholder).scope(Scope::PathEndsWith(&["/.git-credentials", "/git/credentials"])).specificity(2),
    rule("netrc-password", "credential", High, &["password"],
        r"(?:^|\s)(?i:password)[ \t\r\n]+(?P<secret>[^\s]+)",
        "password in a `.netrc`")
        .check(checks::not_placeholder).scope(Scope::PathEndsWith(&["/.netrc", "/_netrc"])).specificity(2),
    rule("pgpass-password", "credential", High, &[],
        r"(?m)^[^:#\r\n][^:\r\n]*:[^:\r\n]*:[^:\r\n]*:[^:\r\n]*:(?P<secret>[^\r\n]+)",
        "password in a PostgreSQL `.pgpass`")
        .check(checks::not_placeholder).scope(Scope::PathEndsWith(&["/.pgpass"])).specificity(2),
    rule("htpasswd-hash", "credential", Medium, &["$apr1$", "{sha}", "$2y$", "$2a$", "$2b$"],
        r"(?m)^[^:\s#]{1,64}:(?P<secret>\$apr1\$[./0-9A-Za-z]{1,8}\$[./0-9A-Za-z]{22}|\{SHA\}[A-Za-z0-9+/]{27}=|\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53})",
        "password hash in an htpasswd file").check(checks::always),
    rule("authorization-basic", "credential", High, &["basic"],
        concat!(r"(?i:authorization)", assign!(), r"(?i:basic)[ \t]+(?P<secret>[A-Za-z0-9+/]{8,}={0,2})"),
        "HTTP basic authorization header").check(checks::basic_auth),
    rule("authorization-bearer", "credential", Medium, &["bearer"],
        r"(?i:bearer)[ \t]+(?P<secret>[A-Za-z0-9_~+/.-]{20,}=*)",
        "HTTP bearer token").check(checks::high_entropy).specificity(0),
    // ---- generic assignments in configuration files ----
    rule("generic-password", "generic", Medium, &["password", "passwd", "pwd"],
        concat!(r#"(?P<key>\b[A-Za-z0-9_.-]{0,40}?(?i:password|passwd|pwd)[A-Za-z0-9_.-]{0,20})"#, sep!(),
            r#"(?P<secret>"[^"\r\n]{1,200}"|'[^'\r\n]{1,200}'|[^\s"'`,;=<>\[\]{}()&][^\s"'`,;<>&]*)"#),
        "password assigned in a configuration file (`password = ...`, `PASSWORD: ...`)")
        .check(checks::password_assignment).specificity(0),
    rule("generic-secret", "generic", Medium, &["secret"],
        concat!(r#"(?P<key>\b[A-Za-z0-9_.-]{0,40}?(?i:secret)[A-Za-z0-9_.-]{0,20})"#, sep!(),
            r#"(?P<secret>"[^"\r\n]{1,200}"|'[^'\r\n]{1,200}'|[^\s"'`,;=<>\[\]{}()&][^\s"'`,;<>&]*)"#),
        "secret assigned in a configuration file (`client_secret = ...`)")
        .check(checks::token_assignment).specificity(0),
    rule("generic-api-key", "generic", Medium, &["apikey", "api_key", "api-key", "api.key"],
        concat!(r#"(?P<key>\b[A-Za-z0-9_.-]{0,40}?(?i:api[_.-]?key)[A-Za-z0-9_.-]{0,20})"#, sep!(),
            r#"(?P<secret>"[^"\r\n]{1,200}"|'[^'\r\n]{1,200}'|[^\s"'`,;=<>\[\]{}()&][^\s"'`,;<>&]*)"#),
        "API key assigned in a configuration file (`api_key = ...`)")
        .check(checks::token_assignment).specificity(0),
    rule("generic-token", "generic", Medium, &["token"],
        concat!(r#"(?P<key>\b[A-Za-z0-9_.-]{0,40}?(?i:access|auth|api|bearer|refresh|secret|private|session)[_.-]?(?i:token)[A-Za-z0-9_.-]{0,20})"#, sep!(),
            r#"(?P<secret>"[^"\r\n]{1,200}"|'[^'\r\n]{1,200}'|[^\s"'`,;=<>\[\]{}()&][^\s"'`,;<>&]*)"#),
        "access token assigned in a configuration file (`auth_token = ...`)")
        .check(checks::token_assignment).specificity(0),
];
