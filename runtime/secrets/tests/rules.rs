//! Every built-in rule against a matching value and a near miss. All values are synthetic:
//! generated at run time from a fixed seed and assembled by concatenation, so this file
//! holds no token-shaped literal for another scanner to flag.
//!
//! For each rule: the matching text yields a finding of that rule whose excerpt does not
//! hold the value; the near miss yields none of that rule; and turning the keyword
//! prefilter off changes neither result (every match contains one of its keywords).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// reason: integration tests

use std::collections::BTreeSet;

use tollgate_secrets::{MASK, Scanner};

const UP: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LO: &str = "abcdefghijklmnopqrstuvwxyz";
const DG: &str = "0123456789";
const HX: &str = "0123456789abcdef";

/// A deterministic generator of synthetic values (xorshift64*).
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn pick(&mut self, alphabet: &str, len: usize) -> String {
        let chars: Vec<char> = alphabet.chars().collect();
        (0..len)
            .map(|_| chars[(self.next() % chars.len() as u64) as usize])
            .collect()
    }
    fn an(&mut self, len: usize) -> String {
        self.pick(&[UP, LO, DG].concat(), len)
    }
    fn url(&mut self, len: usize) -> String {
        self.pick(&[UP, LO, DG, "_-"].concat(), len)
    }
    fn b64(&mut self, len: usize) -> String {
        self.pick(&[UP, LO, DG, "+/"].concat(), len)
    }
    fn hex(&mut self, len: usize) -> String {
        self.pick(HX, len)
    }
    fn dig(&mut self, len: usize) -> String {
        let first = self.pick("123456789", 1);
        first + &self.pick(DG, len - 1)
    }
    fn uuid(&mut self) -> String {
        [
            self.hex(8),
            self.hex(4),
            self.hex(4),
            self.hex(4),
            self.hex(12),
        ]
        .join("-")
    }
    fn pem_body(&mut self, lines: usize) -> String {
        (0..lines).map(|_| self.b64(64) + "\n").collect()
    }
}

/// Standard base64 with padding.
fn base64(data: &[u8]) -> String {
    let alphabet: Vec<char> = [UP, LO, DG, "+/"].concat().chars().collect();
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(alphabet[((n >> (18 - 6 * i)) & 63) as usize]);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64url(data: &[u8]) -> String {
    base64(data)
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_")
}

/// A PEM block `-----BEGIN {label}-----` ... with the dashes assembled at run time.
fn pem(label: &str, inner: &str) -> String {
    let dashes = "-".repeat(5);
    format!("{dashes}BEGIN {label}{dashes}\n{inner}{dashes}END {label}{dashes}\n")
}

struct Case {
    rule: &'static str,
    path: &'static str,
    /// The value that must not appear in any excerpt.
    secret: String,
    hit: String,
    miss: String,
}

fn case(rule: &'static str, path: &'static str, secret: String, hit: String, miss: String) -> Case {
    Case {
        rule,
        path,
        secret,
        hit,
        miss,
    }
}

/// A prefixed token: `prefix` + a body; the near miss has a body one character short.
fn prefixed(
    g: &mut Gen,
    rule: &'static str,
    prefix: &[&str],
    body: fn(&mut Gen, usize) -> String,
    len: usize,
) -> Case {
    let prefix = prefix.concat();
    let secret = prefix.clone() + &body(g, len);
    let short = prefix + &body(g, len - 1);
    case(
        rule,
        "/app/.env",
        secret.clone(),
        format!("SERVICE_CREDENTIAL={secret}\n"),
        format!("SERVICE_CREDENTIAL={short}\n"),
    )
}

fn cases() -> Vec<Case> {
    let mut g = Gen(0x9E37_79B9_7F4A_7C15);
    let g = &mut g;
    let mut v = Vec::new();

    // ---- cloud ----
    let b32up = [UP, "234567"].concat();
    let key_id = ["AK", "IA"].concat() + &g.pick(&b32up, 16);
    v.push(case(
        "aws-access-key-id",
        "/root/.aws/credentials",
        key_id.clone(),
        format!("[default]\naws_access_key_id = {key_id}\n"),
        format!(
            "aws_access_key_id = {}\n",
            ["AK", "IA"].concat() + &g.pick(&b32up, 15)
        ),
    ));
    let aws_secret = g.b64(40);
    v.push(case(
        "aws-secret-access-key",
        "/root/.aws/credentials",
        aws_secret.clone(),
        format!("aws_secret_access_key = {aws_secret}\n"),
        format!("aws_region_name = {}\n", g.b64(40)),
    ));
    let session = g.b64(120);
    v.push(case(
        "aws-session-token",
        "/root/.aws/credentials",
        session.clone(),
        format!("aws_session_token = {session}\n"),
        format!("aws_session_token = {}\n", g.b64(99)),
    ));
    let mws = ["amzn", ".mws."].concat() + &g.uuid();
    v.push(case(
        "aws-mws-auth-token",
        "/app/config.yml",
        mws.clone(),
        format!("mws: {mws}\n"),
        format!(
            "mws: {}{}-{}\n",
            ["amzn", ".mws."].concat(),
            g.hex(8),
            g.hex(4)
        ),
    ));
    let body = g.pem_body(4).replace('\n', "\\n");
    let dashes = "-".repeat(5);
    let gcp_key =
        format!("{dashes}BEGIN PRIVATE KEY{dashes}\\n{body}{dashes}END PRIVATE KEY{dashes}\\n");
    let gcp = |kind: &str| {
        format!(
            "{{\n  \"type\": \"{kind}\",\n  \"project_id\": \"demo\",\n  \"private_key\": \"{gcp_key}\",\n  \"client_email\": \"x@demo.iam.gserviceaccount.com\"\n}}\n"
        )
    };
    v.push(case(
        "gcp-service-account-key",
        "/app/sa.json",
        body.get(2..60).unwrap().to_string(),
        gcp("service_account"),
        gcp("authorized_user"),
    ));
    v.push(prefixed(g, "gcp-api-key", &["AI", "za"], Gen::url, 35));
    v.push(prefixed(
        g,
        "gcp-oauth-client-secret",
        &["GOC", "SPX-"],
        Gen::url,
        28,
    ));
    let ya = ["ya", "29."].concat();
    let token = ya.clone() + &g.url(60);
    v.push(case(
        "google-oauth-access-token",
        "/app/.env",
        token.clone(),
        format!("GOOGLE_OAUTH={token}\n"),
        format!("GOOGLE_OAUTH={ya}{}\n", g.url(20)),
    ));
    let account_key = g.b64(86) + "==";
    v.push(case("azure-storage-connection-string", "/app/appsettings.json", account_key.clone(),
        format!("\"Storage\": \"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={account_key};EndpointSuffix=core.windows.net\"\n"),
        format!("\"Storage\": \"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={}==\"\n", g.b64(85))));
    let account_key = g.b64(86) + "==";
    v.push(case(
        "azure-storage-account-key",
        "/app/.env",
        account_key.clone(),
        format!("AZURE_STORAGE_KEY={account_key}\n"),
        format!("STORAGE_BLOB={}==\n", g.b64(86)),
    ));
    let sig = g.an(44) + "%3D";
    v.push(case("azure-sas-token", "/app/upload.sh", sig.clone(),
        format!("curl 'https://acct.blob.core.windows.net/c/f?sv=2022-11-02&ss=b&srt=o&sp=r&se=2030-01-01T00:00:00Z&sig={sig}'\n"),
        format!("curl 'https://acct.blob.core.windows.net/c/f?sp=r&sig={}'\n", g.an(44))));
    let ad = g.an(3) + "8Q~" + &g.an(34);
    v.push(case(
        "azure-ad-client-secret",
        "/app/appsettings.json",
        ad.clone(),
        format!("\"ClientSecret\": \"{ad}\"\n"),
        format!("\"ClientSecret\": \"{}8Q~{}\"\n", g.an(3), g.an(30)),
    ));
    let b32 = [LO, "234567"].concat();
    let pat = g.pick(&b32, 52);
    v.push(case(
        "azure-devops-pat",
        "/app/.env",
        pat.clone(),
        format!("AZURE_DEVOPS_PAT={pat}\n"),
        format!("AZURE_DEVOPS_PAT={}\n", g.pick(&b32, 51)),
    ));
    v.push(prefixed(
        g,
        "alibaba-access-key-id",
        &["LT", "AI"],
        Gen::an,
        20,
    ));
    v.last_mut().unwrap().miss =
        format!("SERVICE_CREDENTIAL={}{}\n", ["LT", "AI"].concat(), g.an(11));
    let ali = g.an(30);
    v.push(case(
        "alibaba-access-key-secret",
        "/app/.env",
        ali.clone(),
        format!("ALIBABA_CLOUD_ACCESS_KEY_SECRET={ali}\n"),
        format!("ALIBABA_CLOUD_ACCESS_KEY_SECRET={}\n", g.an(29)),
    ));
    let ibm = g.url(44);
    v.push(case(
        "ibm-cloud-api-key",
        "/app/.env",
        ibm.clone(),
        format!("IBM_CLOUD_API_KEY={ibm}\n"),
        format!("IBM_CLOUD_API_KEY={}\n", g.url(43)),
    ));
    v.push(prefixed(
        g,
        "digitalocean-pat",
        &["dop", "_v1_"],
        Gen::hex,
        64,
    ));
    v.push(prefixed(
        g,
        "digitalocean-oauth-token",
        &["doo", "_v1_"],
        Gen::hex,
        64,
    ));
    v.push(prefixed(
        g,
        "digitalocean-refresh-token",
        &["dor", "_v1_"],
        Gen::hex,
        64,
    ));
    let uuid = g.uuid();
    v.push(case(
        "heroku-api-key",
        "/app/.env",
        uuid.clone(),
        format!("HEROKU_API_KEY={uuid}\n"),
        format!("HEROKU_APP_ID={}\n", g.uuid()),
    ));
    v.push(prefixed(
        g,
        "heroku-api-key-v2",
        &["HRKU", "-AA"],
        Gen::url,
        58,
    ));
    let cf = g.url(40);
    v.push(case(
        "cloudflare-api-token",
        "/app/.env",
        cf.clone(),
        format!("CLOUDFLARE_API_TOKEN={cf}\n"),
        format!("CLOUDFLARE_ZONE_ID={}\n", g.hex(32)),
    ));
    let origin = ["v1", ".0-"].concat() + &g.hex(24) + "-" + &g.hex(146);
    v.push(case(
        "cloudflare-origin-ca-key",
        "/app/.env",
        origin.clone(),
        format!("ORIGIN_CA={origin}\n"),
        format!(
            "ORIGIN_CA={}{}-{}\n",
            ["v1", ".0-"].concat(),
            g.hex(24),
            g.hex(145)
        ),
    ));
    v.push(prefixed(
        g,
        "flyio-access-token",
        &["fo", "1_"],
        Gen::url,
        43,
    ));
    let tf = g.an(14) + ".atlas" + "v1." + &g.url(67);
    v.push(case(
        "hashicorp-terraform-token",
        "/root/.terraformrc",
        tf.clone(),
        format!("token = \"{tf}\"\n"),
        format!("token = \"{}.atlasv1.{}\"\n", g.an(13), g.url(67)),
    ));
    let hvs = ["hv", "s."].concat();
    let vault = hvs.clone() + &g.url(95);
    v.push(case(
        "hashicorp-vault-service-token",
        "/app/.env",
        vault.clone(),
        format!("VAULT={vault}\n"),
        format!("VAULT={hvs}{}\n", g.url(80)),
    ));
    let hvb = ["hv", "b."].concat();
    let batch = hvb.clone() + &g.url(150);
    v.push(case(
        "hashicorp-vault-batch-token",
        "/app/.env",
        batch.clone(),
        format!("VAULT={batch}\n"),
        format!("VAULT={hvb}{}\n", g.url(100)),
    ));
    let legacy = "s.".to_string() + &g.an(24);
    v.push(case(
        "hashicorp-vault-legacy-token",
        "/app/.env",
        legacy.clone(),
        format!("VAULT_TOKEN={legacy}\n"),
        format!("VAULT_TOKEN=s.{}\n", g.an(23)),
    ));
    v.push(prefixed(g, "databricks-token", &["da", "pi"], Gen::hex, 32));
    v.push(prefixed(
        g,
        "pulumi-access-token",
        &["pu", "l-"],
        Gen::hex,
        40,
    ));
    let doppler = ["dp", ".pt."].concat() + &g.an(43);
    v.push(case(
        "doppler-token",
        "/app/.env",
        doppler.clone(),
        format!("DOPPLER={doppler}\n"),
        format!("DOPPLER={}{}\n", ["dp", ".pt."].concat(), g.an(30)),
    ));
    v.push(prefixed(
        g,
        "planetscale-token",
        &["pscale", "_tkn_"],
        Gen::url,
        43,
    ));
    let ps = ["pscale", "_tkn_"].concat();
    v.last_mut().unwrap().miss = format!("SERVICE_CREDENTIAL={ps}{}\n", g.url(31));
    v.push(prefixed(
        g,
        "supabase-access-token",
        &["sb", "p_"],
        Gen::hex,
        40,
    ));

    // ---- version control ----
    v.push(prefixed(g, "github-pat", &["gh", "p_"], Gen::an, 36));
    v.push(prefixed(
        g,
        "github-oauth-token",
        &["gh", "o_"],
        Gen::an,
        36,
    ));
    v.push(prefixed(g, "github-user-token", &["gh", "u_"], Gen::an, 36));
    v.push(prefixed(
        g,
        "github-server-token",
        &["gh", "s_"],
        Gen::an,
        36,
    ));
    v.push(prefixed(
        g,
        "github-refresh-token",
        &["gh", "r_"],
        Gen::an,
        36,
    ));
    let fine = ["github", "_pat_"].concat() + &g.an(22) + "_" + &g.an(59);
    v.push(case(
        "github-fine-grained-pat",
        "/app/.env",
        fine.clone(),
        format!("GH={fine}\n"),
        format!(
            "GH={}{}_{}\n",
            ["github", "_pat_"].concat(),
            g.an(22),
            g.an(58)
        ),
    ));
    v.push(prefixed(g, "gitlab-pat", &["gl", "pat-"], Gen::url, 20));
    v.push(prefixed(
        g,
        "gitlab-pipeline-trigger-token",
        &["gl", "ptt-"],
        Gen::hex,
        40,
    ));
    v.push(prefixed(
        g,
        "gitlab-runner-registration-token",
        &["GR13", "48941"],
        Gen::url,
        20,
    ));
    v.push(prefixed(
        g,
        "gitlab-runner-auth-token",
        &["gl", "rt-"],
        Gen::url,
        20,
    ));
    v.push(prefixed(
        g,
        "gitlab-deploy-token",
        &["gl", "dt-"],
        Gen::url,
        20,
    ));
    v.push(prefixed(
        g,
        "gitlab-feed-token",
        &["gl", "ft-"],
        Gen::url,
        20,
    ));
    v.push(prefixed(
        g,
        "gitlab-oauth-app-secret",
        &["gl", "oas-"],
        Gen::url,
        64,
    ));
    let cbt = ["gl", "cbt-"].concat() + &g.an(3) + "_";
    v.push(prefixed(g, "gitlab-cicd-job-token", &[&cbt], Gen::url, 20));
    v.push(prefixed(
        g,
        "gitlab-incoming-mail-token",
        &["gl", "imt-"],
        Gen::url,
        25,
    ));
    v.push(prefixed(
        g,
        "gitlab-agent-token",
        &["gl", "agent-"],
        Gen::url,
        50,
    ));
    v.push(prefixed(
        g,
        "gitlab-scim-token",
        &["gl", "soat-"],
        Gen::url,
        20,
    ));
    v.push(prefixed(
        g,
        "bitbucket-app-password",
        &["AT", "BB"],
        Gen::an,
        32,
    ));

    // ---- registries and CI ----
    v.push(prefixed(g, "npm-access-token", &["np", "m_"], Gen::an, 36));
    let npm = g.url(36);
    v.push(case(
        "npmrc-auth-token",
        "/root/.npmrc",
        npm.clone(),
        format!("//registry.npmjs.org/:_authToken={npm}\n"),
        "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n".to_string(),
    ));
    let basic = base64(format!("deploy:{}", g.an(14)).as_bytes());
    v.push(case(
        "npmrc-auth",
        "/root/.npmrc",
        basic.clone(),
        format!("_auth = {basic}\nalways-auth = true\n"),
        format!("_auth = {}\n", base64(b"deployment-user")),
    ));
    let pypi = ["py", "pi-AgEIcHlwaS5vcmc"].concat() + &g.url(70);
    v.push(case(
        "pypi-upload-token",
        "/root/.pypirc",
        pypi.clone(),
        format!("[pypi]\nusername = __token__\npassword = {pypi}\n"),
        format!(
            "[pypi]\nupload = {}{}\n",
            ["py", "pi-AgEIcHlwaS5vcmc"].concat(),
            g.url(40)
        ),
    ));
    v.push(prefixed(
        g,
        "rubygems-api-key",
        &["ruby", "gems_"],
        Gen::hex,
        48,
    ));
    v.push(prefixed(
        g,
        "nuget-api-key",
        &["oy", "2"],
        |g, n| g.pick(&[LO, DG].concat(), n),
        43,
    ));
    v.push(prefixed(
        g,
        "dockerhub-pat",
        &["dckr", "_pat_"],
        Gen::url,
        27,
    ));
    let auth = base64(format!("ci-bot:{}", g.an(16)).as_bytes());
    let docker = |auth: &str| {
        format!(
            "{{\n  \"auths\": {{\n    \"registry.acme.test\": {{\n      \"auth\": \"{auth}\"\n    }}\n  }}\n}}\n"
        )
    };
    v.push(case(
        "docker-config-auth",
        "/root/.docker/config.json",
        auth.clone(),
        docker(&auth),
        docker(&base64(b"ci-bot:changeme")),
    ));
    let identity = g.url(40);
    v.push(case(
        "docker-config-identity-token",
        "/root/.docker/config.json",
        identity.clone(),
        format!("{{\"auths\": {{\"r.acme.test\": {{\"identitytoken\": \"{identity}\"}}}}}}\n"),
        format!(
            "{{\"auths\": {{\"r.acme.test\": {{\"identitytoken\": \"{}\"}}}}}}\n",
            g.url(10)
        ),
    ));
    v.push(prefixed(
        g,
        "artifactory-api-key",
        &["AK", "Cp"],
        Gen::an,
        69,
    ));
    v.push(prefixed(
        g,
        "artifactory-reference-token",
        &["cmV", "md"],
        Gen::an,
        59,
    ));
    v.push(prefixed(g, "sonarqube-token", &["sq", "p_"], Gen::hex, 40));
    let key_pem = base64(pem(&["RSA PRIVATE", " KEY"].concat(), &g.pem_body(3)).as_bytes());
    let cert_pem = base64(pem("CERTIFICATE", &g.pem_body(3)).as_bytes());
    let kube =
        |data: &str| format!("users:\n- name: admin\n  user:\n    client-key-data: {data}\n");
    v.push(case(
        "kubeconfig-client-key",
        "/root/.kube/config",
        key_pem.clone(),
        kube(&key_pem),
        kube(&cert_pem),
    ));

    // ---- messaging and e-mail ----
    let bot = ["xo", "xb-"].concat() + &g.dig(10) + "-" + &g.dig(12) + "-" + &g.an(24);
    v.push(case(
        "slack-bot-token",
        "/app/.env",
        bot.clone(),
        format!("SLACK={bot}\n"),
        format!(
            "SLACK={}{}-{}-{}\n",
            ["xo", "xb-"].concat(),
            g.dig(10),
            g.dig(12),
            g.an(20)
        ),
    ));
    let user =
        ["xo", "xp-"].concat() + &g.dig(10) + "-" + &g.dig(12) + "-" + &g.dig(12) + "-" + &g.an(32);
    v.push(case(
        "slack-user-token",
        "/app/.env",
        user.clone(),
        format!("SLACK={user}\n"),
        format!(
            "SLACK={}{}-{}-{}\n",
            ["xo", "xp-"].concat(),
            g.dig(10),
            g.dig(12),
            g.an(32)
        ),
    ));
    let app = ["xa", "pp-1-"].concat()
        + &g.pick(&[UP, DG].concat(), 10)
        + "-"
        + &g.dig(13)
        + "-"
        + &g.hex(64);
    v.push(case(
        "slack-app-token",
        "/app/.env",
        app.clone(),
        format!("SLACK={app}\n"),
        format!(
            "SLACK={}{}-{}-{}\n",
            ["xa", "pp-1-"].concat(),
            g.pick(&[UP, DG].concat(), 10),
            g.dig(13),
            g.hex(63)
        ),
    ));
    let legacy = ["xo", "xr-"].concat() + &g.dig(10) + "-" + &g.an(40);
    v.push(case(
        "slack-legacy-token",
        "/app/.env",
        legacy.clone(),
        format!("SLACK={legacy}\n"),
        format!(
            "SLACK={}{}-{}\n",
            ["xo", "xr-"].concat(),
            g.dig(10),
            g.an(12)
        ),
    ));
    let config = ["xo", "xe.xoxp-1-"].concat() + &g.pick(&[UP, DG].concat(), 160);
    v.push(case(
        "slack-config-token",
        "/app/.env",
        config.clone(),
        format!("SLACK={config}\n"),
        format!(
            "SLACK={}{}\n",
            ["xo", "xe.xoxp-1-"].concat(),
            g.pick(&[UP, DG].concat(), 100)
        ),
    ));
    let hook = format!(
        "T{}/B{}/{}",
        g.pick(&[UP, DG].concat(), 10),
        g.pick(&[UP, DG].concat(), 10),
        g.an(24)
    );
    v.push(case(
        "slack-webhook-url",
        "/app/notify.sh",
        hook.clone(),
        format!("curl -X POST https://hooks.slack.com/services/{hook}\n"),
        "curl -X POST https://hooks.slack.com/services/T0/B0/abc\n".to_string(),
    ));
    let discord = "M".to_string() + &g.an(23) + "." + &g.url(6) + "." + &g.url(27);
    v.push(case(
        "discord-bot-token",
        "/app/.env",
        discord.clone(),
        format!("DISCORD_BOT_TOKEN={discord}\n"),
        format!("DISCORD_CHANNEL={discord}\n"),
    ));
    let webhook = g.url(68);
    v.push(case(
        "discord-webhook-url",
        "/app/.env",
        webhook.clone(),
        format!(
            "HOOK=https://discord.com/api/webhooks/{}/{webhook}\n",
            g.dig(18)
        ),
        format!(
            "HOOK=https://discord.com/api/webhooks/{}/{}\n",
            g.dig(18),
            g.url(40)
        ),
    ));
    let telegram = g.dig(10) + ":AA" + &g.url(33);
    v.push(case(
        "telegram-bot-token",
        "/app/.env",
        telegram.clone(),
        format!("BOT={telegram}\n"),
        format!("BOT={}:AB{}\n", g.dig(10), g.url(33)),
    ));
    let sk = "SK".to_string() + &g.hex(32);
    v.push(case(
        "twilio-api-key",
        "/app/.env",
        sk.clone(),
        format!("TWILIO_API_KEY={sk}\n"),
        format!("TWILIO_API_KEY=SK{}\n", g.hex(31)),
    ));
    let twilio = g.hex(32);
    v.push(case(
        "twilio-auth-token",
        "/app/.env",
        twilio.clone(),
        format!("TWILIO_AUTH_TOKEN={twilio}\n"),
        format!("TWILIO_AUTH_TOKEN={}\n", g.hex(31)),
    ));
    let sendgrid = ["S", "G."].concat() + &g.url(22) + "." + &g.url(43);
    v.push(case(
        "sendgrid-api-key",
        "/app/.env",
        sendgrid.clone(),
        format!("MAIL={sendgrid}\n"),
        format!("MAIL={}{}.{}\n", ["S", "G."].concat(), g.url(22), g.url(42)),
    ));
    v.push(prefixed(g, "mailgun-api-key", &["ke", "y-"], Gen::hex, 32));
    let chimp = g.hex(32) + "-us6";
    v.push(case(
        "mailchimp-api-key",
        "/app/.env",
        chimp.clone(),
        format!("MAILCHIMP_API_KEY={chimp}\n"),
        format!("MAILCHIMP_API_KEY={}-us6\n", g.hex(31)),
    ));
    v.push(prefixed(
        g,
        "mailersend-api-token",
        &["ml", "sn."],
        |g, n| g.pick(&[LO, DG].concat(), n),
        64,
    ));

    // ---- payment ----
    let live = ["sk", "_live_"].concat() + &g.an(30);
    v.push(case(
        "stripe-secret-key",
        "/app/.env",
        live.clone(),
        format!("STRIPE={live}\n"),
        format!("STRIPE={}{}\n", ["sk", "_live_"].concat(), g.an(23)),
    ));
    let restricted = ["rk", "_live_"].concat() + &g.an(30);
    v.push(case(
        "stripe-restricted-key",
        "/app/.env",
        restricted.clone(),
        format!("STRIPE={restricted}\n"),
        format!("STRIPE={}{}\n", ["rk", "_live_"].concat(), g.an(23)),
    ));
    let test = ["sk", "_test_"].concat() + &g.an(30);
    v.push(case(
        "stripe-test-secret-key",
        "/app/.env",
        test.clone(),
        format!("STRIPE={test}\n"),
        format!("STRIPE={}{}\n", ["sk", "_test_"].concat(), g.an(23)),
    ));
    v.push(prefixed(
        g,
        "stripe-webhook-secret",
        &["wh", "sec_"],
        Gen::an,
        32,
    ));
    v.push(prefixed(
        g,
        "square-access-token",
        &["sq0", "atp-"],
        Gen::url,
        22,
    ));
    v.push(prefixed(
        g,
        "square-oauth-secret",
        &["sq0", "csp-"],
        Gen::url,
        43,
    ));
    let braintree = ["access_token", "$production$"].concat()
        + &g.pick(&[LO, DG].concat(), 16)
        + "$"
        + &g.hex(32);
    v.push(case(
        "braintree-access-token",
        "/app/.env",
        braintree.clone(),
        format!("BT={braintree}\n"),
        format!(
            "BT={}{}${}\n",
            ["access_token", "$production$"].concat(),
            g.pick(&[LO, DG].concat(), 16),
            g.hex(31)
        ),
    ));
    let plaid = ["access", "-production-"].concat() + &g.uuid();
    v.push(case(
        "plaid-access-token",
        "/app/.env",
        plaid.clone(),
        format!("PLAID={plaid}\n"),
        format!(
            "PLAID={}{}-{}\n",
            ["access", "-production-"].concat(),
            g.hex(8),
            g.hex(4)
        ),
    ));
    let flw = ["FLW", "SECK-"].concat() + &g.pick("abcdefgh0123456789", 32) + "-X";
    v.push(case(
        "flutterwave-secret-key",
        "/app/.env",
        flw.clone(),
        format!("FLW={flw}\n"),
        format!(
            "FLW={}{}\n",
            ["FLW", "SECK-"].concat(),
            g.pick("abcdefgh0123456789", 32)
        ),
    ));
    v.push(prefixed(
        g,
        "shopify-access-token",
        &["sh", "pat_"],
        Gen::hex,
        32,
    ));
    v.push(prefixed(
        g,
        "shopify-custom-app-token",
        &["sh", "pca_"],
        Gen::hex,
        32,
    ));
    v.push(prefixed(
        g,
        "shopify-private-app-token",
        &["sh", "ppa_"],
        Gen::hex,
        32,
    ));
    v.push(prefixed(
        g,
        "shopify-shared-secret",
        &["sh", "pss_"],
        Gen::hex,
        32,
    ));

    // ---- AI ----
    let marker = ["T3Blbk", "FJ"].concat();
    let openai = ["sk", "-proj-"].concat() + &g.an(40) + &marker + &g.an(40);
    v.push(case(
        "openai-api-key",
        "/app/.env",
        openai.clone(),
        format!("OPENAI={openai}\n"),
        format!("OPENAI={}{}\n", ["sk", "-proj-"].concat(), g.an(88)),
    ));
    let anthropic = ["sk", "-ant-api03-"].concat() + &g.url(93) + "AA";
    v.push(case(
        "anthropic-api-key",
        "/app/.env",
        anthropic.clone(),
        format!("LLM={anthropic}\n"),
        format!("LLM={}{}AA\n", ["sk", "-ant-api03-"].concat(), g.url(40)),
    ));
    v.push(prefixed(
        g,
        "huggingface-token",
        &["h", "f_"],
        |g, n| g.pick(&[UP, LO].concat(), n),
        34,
    ));
    v.push(prefixed(g, "groq-api-key", &["gs", "k_"], Gen::an, 52));
    v.push(prefixed(
        g,
        "replicate-api-token",
        &["r", "8_"],
        Gen::an,
        37,
    ));
    v.push(prefixed(
        g,
        "perplexity-api-key",
        &["pp", "lx-"],
        Gen::an,
        48,
    ));
    v.push(prefixed(g, "xai-api-key", &["xa", "i-"], Gen::an, 80));

    // ---- other services ----
    let atl = ["ATA", "TT3"].concat() + &g.url(186);
    v.push(case(
        "atlassian-api-token",
        "/app/.env",
        atl.clone(),
        format!("JIRA={atl}\n"),
        format!("JIRA={}{}\n", ["ATA", "TT3"].concat(), g.url(100)),
    ));
    v.push(prefixed(
        g,
        "grafana-cloud-token",
        &["gl", "c_"],
        Gen::an,
        32,
    ));
    let glsa = ["gl", "sa_"].concat() + &g.an(32) + "_" + &g.hex(8);
    v.push(case(
        "grafana-service-account-token",
        "/app/.env",
        glsa.clone(),
        format!("GRAFANA={glsa}\n"),
        format!(
            "GRAFANA={}{}_{}\n",
            ["gl", "sa_"].concat(),
            g.an(32),
            g.hex(7)
        ),
    ));
    v.push(prefixed(
        g,
        "newrelic-user-api-key",
        &["NR", "AK-"],
        |g, n| g.pick(&[UP, DG].concat(), n),
        27,
    ));
    let dd = g.hex(32);
    v.push(case(
        "datadog-api-key",
        "/app/.env",
        dd.clone(),
        format!("DD_API_KEY={dd}\n"),
        format!("DD_SITE={}\n", g.hex(32)),
    ));
    let sentry = ["sntr", "ys_"].concat() + &g.b64(80);
    v.push(case(
        "sentry-org-token",
        "/app/.env",
        sentry.clone(),
        format!("SENTRY={sentry}\n"),
        format!("SENTRY={}{}\n", ["sntr", "ys_"].concat(), g.b64(50)),
    ));
    v.push(prefixed(
        g,
        "sentry-user-token",
        &["sntr", "yu_"],
        Gen::hex,
        64,
    ));
    let postman = ["PM", "AK-"].concat() + &g.hex(24) + "-" + &g.hex(34);
    v.push(case(
        "postman-api-key",
        "/app/.env",
        postman.clone(),
        format!("POSTMAN={postman}\n"),
        format!(
            "POSTMAN={}{}-{}\n",
            ["PM", "AK-"].concat(),
            g.hex(24),
            g.hex(33)
        ),
    ));
    v.push(prefixed(
        g,
        "linear-api-key",
        &["lin", "_api_"],
        Gen::an,
        40,
    ));
    let notion = ["nt", "n_"].concat() + &g.dig(11) + &g.an(35);
    v.push(case(
        "notion-token",
        "/app/.env",
        notion.clone(),
        format!("NOTION={notion}\n"),
        format!(
            "NOTION={}{}{}\n",
            ["nt", "n_"].concat(),
            g.dig(11),
            g.an(34)
        ),
    ));
    let hub = ["pat", "-na1-"].concat() + &g.uuid();
    v.push(case(
        "hubspot-private-app-token",
        "/app/.env",
        hub.clone(),
        format!("HUBSPOT={hub}\n"),
        format!("HUBSPOT=pat-xx1-{}\n", g.uuid()),
    ));
    let mapbox = ["sk", ".eyJ"].concat() + &g.url(60) + "." + &g.url(22);
    v.push(case(
        "mapbox-secret-token",
        "/app/.env",
        mapbox.clone(),
        format!("MAPBOX={mapbox}\n"),
        format!(
            "MAPBOX={}{}.{}\n",
            ["pk", ".eyJ"].concat(),
            g.url(60),
            g.url(22)
        ),
    ));
    let okta = "00".to_string() + &g.url(40);
    v.push(case(
        "okta-api-token",
        "/app/.env",
        okta.clone(),
        format!("OKTA_API_TOKEN={okta}\n"),
        format!("OKTA_API_TOKEN=01{}\n", g.url(40)),
    ));
    let twitter = "A".repeat(22) + &g.an(90);
    v.push(case(
        "twitter-bearer-token",
        "/app/.env",
        twitter.clone(),
        format!("TWITTER={twitter}\n"),
        format!("TWITTER={}{}\n", "A".repeat(22), g.an(50)),
    ));

    // ---- private keys ----
    let body = g.pem_body(4);
    v.push(case(
        "private-key-rsa",
        "/etc/ssl/private/server.key",
        body.get(64..128).unwrap().to_string(),
        pem(&["RSA PRIVATE", " KEY"].concat(), &body),
        pem("RSA PUBLIC KEY", &g.pem_body(4)),
    ));
    let body = g.pem_body(3);
    let encrypted = format!(
        "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,{}\n\n{body}",
        g.hex(32).to_uppercase()
    );
    v.push(case(
        "private-key-ec",
        "/etc/ssl/private/ec.key",
        body.get(..64).unwrap().to_string(),
        pem(&["EC PRIVATE", " KEY"].concat(), &encrypted),
        pem("EC PARAMETERS", "BggqhkjOPQMBBw==\n"),
    ));
    let body = g.pem_body(6);
    v.push(case(
        "private-key-dsa",
        "/root/dsa.pem",
        body.get(..64).unwrap().to_string(),
        pem(&["DSA PRIVATE", " KEY"].concat(), &body),
        pem(&["DSA PRIVATE", " KEY"].concat(), ""),
    ));
    let body = g.pem_body(4);
    v.push(case(
        "private-key-pkcs8",
        "/srv/tls/key.pem",
        body.get(..64).unwrap().to_string(),
        pem(&["PRIVATE", " KEY"].concat(), &body),
        pem("CERTIFICATE", &g.pem_body(4)),
    ));
    let body = g.pem_body(4);
    v.push(case(
        "private-key-pkcs8-encrypted",
        "/srv/tls/key.pem",
        body.get(..64).unwrap().to_string(),
        pem(&["ENCRYPTED PRIVATE", " KEY"].concat(), &body),
        pem(&["ENCRYPTED PRIVATE", " KEY"].concat(), &(g.b64(30) + "\n")),
    ));
    let body = g.pem_body(5);
    v.push(case(
        "private-key-openssh",
        "/root/.ssh/id_ed25519",
        body.get(..64).unwrap().to_string(),
        pem(&["OPENSSH PRIVATE", " KEY"].concat(), &body),
        format!("ssh-ed25519 {} user@host\n", g.b64(68)),
    ));
    let body = g.pem_body(5);
    v.push(case(
        "private-key-pgp",
        "/root/key.asc",
        body.get(..64).unwrap().to_string(),
        pem(
            &["PGP PRIVATE", " KEY BLOCK"].concat(),
            &format!("\n{body}"),
        ),
        pem("PGP PUBLIC KEY BLOCK", &format!("\n{}", g.pem_body(5))),
    ));
    let private = g.b64(64);
    let mut putty = |private: &str| {
        format!(
            "{}: ssh-ed25519\nEncryption: none\nComment: key\nPublic-Lines: 2\n{}\n{}\nPrivate-Lines: 1\n{private}\nPrivate-MAC: {}\n",
            ["PuTTY-User", "-Key-File-3"].concat(),
            g.b64(64),
            g.b64(20),
            "0".repeat(64)
        )
    };
    let (putty_hit, putty_miss) = (putty(&private), putty("AAAA"));
    v.push(case(
        "private-key-putty",
        "/root/key.ppk",
        private,
        putty_hit,
        putty_miss,
    ));
    let body = g.pem_body(4);
    let dash4 = "-".repeat(4);
    v.push(case("private-key-ssh2-encrypted", "/root/key.ssh2", body.get(..64).unwrap().to_string(),
        format!("{dash4} BEGIN SSH2 ENCRYPTED PRIVATE KEY {dash4}\nComment: \"key\"\n{body}{dash4} END SSH2 ENCRYPTED PRIVATE KEY {dash4}\n"),
        format!("{dash4} BEGIN SSH2 PUBLIC KEY {dash4}\n{}{dash4} END SSH2 PUBLIC KEY {dash4}\n", g.pem_body(4))));
    let bech = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L";
    let age = ["AGE-SECRET", "-KEY-1"].concat() + &g.pick(bech, 58);
    v.push(case(
        "age-secret-key",
        "/root/.config/age/key.txt",
        age.clone(),
        format!("# created: 2026-01-01\n{age}\n"),
        format!(
            "{}{}\n",
            ["AGE-SECRET", "-KEY-1"].concat(),
            g.pick(bech, 57)
        ),
    ));

    // ---- common formats ----
    let jwt = base64url(br#"{"alg":"HS256","typ":"JWT"}"#)
        + "."
        + &base64url(format!(r#"{{"sub":"{}"}}"#, g.an(12)).as_bytes())
        + "."
        + &g.url(43);
    v.push(case(
        "jwt",
        "/app/.env",
        jwt.clone(),
        format!("SESSION={jwt}\n"),
        format!("SESSION=eyJ{}.eyJ{}.{}\n", g.an(20), g.an(20), g.url(43)),
    ));
    let password = g.an(14);
    v.push(case(
        "url-credentials",
        "/app/.env",
        password.clone(),
        format!("DATABASE_URL=postgres://app:{password}@db.internal:5432/app\n"),
        "DATABASE_URL=postgres://app:${DB_PASSWORD}@db.internal:5432/app\n".to_string(),
    ));
    let password = g.an(20);
    v.push(case(
        "git-credentials",
        "/root/.git-credentials",
        password.clone(),
        format!("https://ci-bot:{password}@git.acme.test\n"),
        "https://ci-bot@git.acme.test\n".to_string(),
    ));
    let password = g.an(12);
    v.push(case(
        "netrc-password",
        "/root/.netrc",
        password.clone(),
        format!("machine api.acme.test\n  login deploy\n  password {password}\n"),
        "machine api.acme.test\n  login deploy\n  password changeme\n".to_string(),
    ));
    let password = g.an(12);
    v.push(case(
        "pgpass-password",
        "/root/.pgpass",
        password.clone(),
        format!("db.internal:5432:app:app:{password}\n"),
        "# hostname:port:database:username:password\n*:*:*:app:*\n".to_string(),
    ));
    let hash = "$apr1$".to_string()
        + &g.pick(&[UP, LO, DG, "./"].concat(), 8)
        + "$"
        + &g.pick(&[UP, LO, DG, "./"].concat(), 22);
    v.push(case(
        "htpasswd-hash",
        "/etc/nginx/.htpasswd",
        hash.clone(),
        format!("admin:{hash}\n"),
        "admin:$apr1$abc$short\n".to_string(),
    ));
    let basic = base64(format!("svc:{}", g.an(14)).as_bytes());
    v.push(case(
        "authorization-basic",
        "/app/call.sh",
        basic.clone(),
        format!("curl -H 'Authorization: Basic {basic}' https://api.acme.test\n"),
        format!(
            "curl -H 'Authorization: Basic {}' https://api.acme.test\n",
            base64(b"service-account")
        ),
    ));
    let bearer = g.url(40);
    v.push(case(
        "authorization-bearer",
        "/app/call.sh",
        bearer.clone(),
        format!("curl -H \"Authorization: Bearer {bearer}\" https://api.acme.test\n"),
        format!(
            "curl -H \"Authorization: Bearer {}\" https://api.acme.test\n",
            "a".repeat(30)
        ),
    ));
    let password = g.an(8) + "!" + &g.an(7);
    v.push(case(
        "generic-password",
        "/app/config.ini",
        password.clone(),
        format!("[db]\ndb_password = \"{password}\"\n"),
        "[db]\ndb_password = \"changeme\"\n".to_string(),
    ));
    let secret = g.an(32);
    v.push(case(
        "generic-secret",
        "/app/config.yml",
        secret.clone(),
        format!("oauth:\n  client_secret: {secret}\n"),
        "oauth:\n  client_secret: ${CLIENT_SECRET}\n".to_string(),
    ));
    let api_key = g.an(32);
    v.push(case(
        "generic-api-key",
        "/app/settings.json",
        api_key.clone(),
        format!("{{\"api_key\": \"{api_key}\"}}\n"),
        "{\"api_key\": \"<your api key>\"}\n".to_string(),
    ));
    let token = g.url(40);
    v.push(case(
        "generic-token",
        "/app/.env",
        token.clone(),
        format!("AUTH_TOKEN={token}\n"),
        "AUTH_TOKEN=\"{{ vault_auth_token }}\"\n".to_string(),
    ));
    v
}

/// Whether `excerpt` holds any 8-character piece of `secret` past its first 4 characters
/// (the most a mask keeps).
fn leaks(excerpt: &str, secret: &str) -> Option<String> {
    let chars: Vec<char> = secret.chars().collect();
    (4..chars.len().saturating_sub(7))
        .map(|start| chars[start..start + 8].iter().collect::<String>())
        .find(|piece| !piece.contains('\n') && excerpt.contains(piece.as_str()))
}

#[test]
fn every_builtin_rule_has_a_case() {
    let scanner = Scanner::builtin();
    let covered: BTreeSet<&str> = cases().iter().map(|case| case.rule).collect();
    let missing: Vec<&str> = scanner
        .rules()
        .map(|rule| rule.id.as_str())
        .filter(|id| !covered.contains(id))
        .collect();
    assert!(missing.is_empty(), "rules without a test case: {missing:?}");
    assert_eq!(covered.len(), cases().len(), "a rule has two cases");
}

#[test]
fn every_rule_finds_its_value_and_not_its_near_miss() {
    let scanner = Scanner::builtin();
    let unfiltered = Scanner::builder().prefilter(false).build();
    let mut failures = Vec::new();
    for case in cases() {
        let found = scanner.scan_bytes(case.path, case.hit.as_bytes());
        let hit = found.iter().find(|secret| secret.rule == case.rule);
        match hit {
            None => failures.push(format!(
                "{}: no finding in {:?}; got {:?}",
                case.rule,
                case.hit,
                found
                    .iter()
                    .map(|s| (&s.rule, &s.excerpt))
                    .collect::<Vec<_>>()
            )),
            Some(secret) => {
                if !secret.excerpt.contains(MASK) {
                    failures.push(format!(
                        "{}: excerpt {:?} has no mask",
                        case.rule, secret.excerpt
                    ));
                }
                for any in &found {
                    if let Some(piece) = leaks(&any.excerpt, &case.secret) {
                        failures.push(format!(
                            "{}: excerpt {:?} shows {piece:?}",
                            case.rule, any.excerpt
                        ));
                    }
                }
                let line_text = case
                    .hit
                    .lines()
                    .nth(usize::try_from(secret.line - 1).unwrap())
                    .unwrap_or_default();
                if secret.line < 1 || line_text.trim().is_empty() {
                    failures.push(format!(
                        "{}: line {} is not a line of the input",
                        case.rule, secret.line
                    ));
                }
            }
        }
        let missed = scanner.scan_bytes(case.path, case.miss.as_bytes());
        if let Some(secret) = missed.iter().find(|secret| secret.rule == case.rule) {
            failures.push(format!(
                "{}: near miss {:?} found: {}",
                case.rule, case.miss, secret.excerpt
            ));
        }
        for text in [&case.hit, &case.miss] {
            if unfiltered.scan_bytes(case.path, text.as_bytes())
                != scanner.scan_bytes(case.path, text.as_bytes())
            {
                failures.push(format!(
                    "{}: the prefilter changes the findings of {text:?}",
                    case.rule
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
