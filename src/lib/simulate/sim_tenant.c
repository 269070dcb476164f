/* The simulated tenant: its people, addresses, devices and applications.
 *
 * Addresses: offices and homes use the documentation ranges 203.0.113.0/24 and 198.51.100.0/24
 * (as the contoso-demo example does). Residential proxy exits, travel and hosting addresses are
 * random hosts inside real consumer-ISP and cloud blocks, so that address-reputation logic has
 * something real to match; they stand for no real host. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/norm.h"
#include "../enrich/mmdb_writer.h"
#include "sim.h"

const char *const sim_first_names[] = {
    "Dana",    "Marcus", "Priya",   "Tom",    "Lucia",  "Ken",    "Sarah",  "James",  "Aisha",
    "Emily",   "Noah",   "Olivia",  "Liam",   "Sofia",  "Mateo",  "Hannah", "Ethan",  "Grace",
    "Omar",    "Chloe",  "Daniel",  "Amara",  "Lucas",  "Mia",    "Samuel", "Zara",   "Henry",
    "Isla",    "Leo",    "Nina",    "Adrian", "Maya",   "Julian", "Elena",  "Felix",  "Ava",
    "Hugo",    "Leila",  "Oscar",   "Rosa",   "Victor", "Yuki",   "Ivan",   "Fatima", "Connor",
    "Ingrid",  "Rafael", "Thea",    "Kwame",  "Anika",  "Diego",  "Freya",  "Tariq",  "Mei",
    "Patrick", "Sana",   "Gabriel", "Lena",   "Arjun",  "Clara",  "Malik",  "Eva",    "Jonas",
    "Nadia",   "Ruben",  "Alice",   "Tobias", "Keira",  "Andre",  "Helena", "Caleb",  "Ines",
    "Simon",   "Paula",  "Kofi",    "Vera",   "Martin", "Jade",   "Hassan", "Lily",   "Peter",
    "Carmen",  "Ali",    "Julia",   "Marco",  "Esther", "Dmitri", "Ruth",   "Chen",   "Beatriz",
    "Owen",    "Alma",   "Nikhil",  "Lauren", "Emeka",  "Sienna"};
const size_t sim_n_first_names = sizeof(sim_first_names) / sizeof(sim_first_names[0]);

const char *const sim_last_names[] = {
    "Whitfield", "Oyelaran",  "Raman",    "Becker",    "Fernandez", "Yamada",   "ONeill",
    "Cole",      "Khan",      "Tran",     "Brooks",    "Morgan",    "Novak",    "Silva",
    "Keller",    "Andersen",  "Okafor",   "Lindqvist", "Moreau",    "Castillo", "Hughes",
    "Nakamura",  "Petrov",    "Haddad",   "Walsh",     "Bianchi",   "Osei",     "Larsen",
    "Dubois",    "Kaur",      "Fischer",  "Mensah",    "Rossi",     "Sato",     "Kowalski",
    "Reyes",     "Schmidt",   "Adeyemi",  "Nilsson",   "Costa",     "Park",     "Brennan",
    "Vogel",     "Ibrahim",   "Hale",     "Marquez",   "Lund",      "Abbott",   "Farouk",
    "Grant",     "Jensen",    "Mbeki",    "Quinn",     "Rahman",    "Sorensen", "Tanaka",
    "Ueda",      "Varga",     "Weber",    "Young",     "Zhang",     "Ortiz",    "Patel",
    "Chowdhury", "Dalton",    "Engel",    "Foster",    "Garcia",    "Horvath",  "Ito",
    "Jovanovic", "Kim",       "Lopez",    "Meyer",     "Nguyen",    "Olsen",    "Price",
    "Ramos",     "Stewart",   "Thompson", "Underwood", "Vasquez",   "Wong",     "Xu",
    "Yilmaz",    "Zielinski", "Ahmed",    "Bauer",     "Carter",    "Duarte",   "Evans"};
const size_t sim_n_last_names = sizeof(sim_last_names) / sizeof(sim_last_names[0]);

static const char *const companies[] = {
    "Contoso",    "Fabrikam",          "Northwind",   "Adventure Works", "Tailspin",
    "Wingtip",    "Woodgrove",         "Litware",     "Proseware",       "Fourth Coffee",
    "Alpine Ski", "Blue Yonder",       "Coho Winery", "Lucerne",         "Margies Travel",
    "Relecloud",  "Trey Research",     "Wide World",  "Humongous",       "VanArsdel",
    "Lamna",      "Tasmanian Traders", "Bellows",     "Datum",           "Consolidated Messenger"};

struct pool {
    uint32_t base; /* network address, host order */
    uint8_t prefix;
    uint32_t asn;
};

struct region {
    const char *name, *country, *named_location;
    int offset;
    struct sim_geo office;
    struct sim_geo homes[5];
    uint32_t home_asn, mobile_asn;
    const struct pool *residential; /* consumer ISP blocks in the country (proxies) */
    size_t n_residential;
    struct sim_geo proxy_cities[6];
};

#define IP4(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (d))

static const struct pool us_pools[] = {
    {IP4(73, 0, 0, 0), 8, 7922},     {IP4(98, 192, 0, 0), 10, 7922},
    {IP4(24, 0, 0, 0), 12, 7922},    {IP4(71, 160, 0, 0), 11, 701},
    {IP4(108, 28, 0, 0), 14, 701},   {IP4(99, 0, 0, 0), 10, 7018},
    {IP4(174, 80, 0, 0), 12, 20115}, {IP4(47, 184, 0, 0), 13, 5650},
    {IP4(68, 224, 0, 0), 12, 22773}, {IP4(97, 112, 0, 0), 12, 209},
    {IP4(75, 160, 0, 0), 11, 209},   {IP4(66, 30, 0, 0), 15, 7922}};
static const struct pool uk_pools[] = {{IP4(86, 128, 0, 0), 10, 2856},
                                       {IP4(81, 96, 0, 0), 12, 5089},
                                       {IP4(92, 0, 0, 0), 10, 5607},
                                       {IP4(31, 48, 0, 0), 13, 5089}};
static const struct pool de_pools[] = {{IP4(91, 0, 0, 0), 10, 3320},
                                       {IP4(84, 128, 0, 0), 10, 3320},
                                       {IP4(88, 64, 0, 0), 12, 3209},
                                       {IP4(178, 0, 0, 0), 12, 6805}};
static const struct pool au_pools[] = {{IP4(1, 120, 0, 0), 13, 1221},
                                       {IP4(101, 160, 0, 0), 11, 1221},
                                       {IP4(49, 176, 0, 0), 12, 4804},
                                       {IP4(58, 96, 0, 0), 14, 4804}};

static const struct region regions[] = {
    {"US East",
     "US",
     "Boston HQ",
     -5,
     {"US", "Massachusetts", "Boston", 42.35843, -71.05978},
     {{"US", "Massachusetts", "Cambridge", 42.37510, -71.10561},
      {"US", "Massachusetts", "Brookline", 42.33176, -71.12116},
      {"US", "Massachusetts", "Medford", 42.41843, -71.10616},
      {"US", "Massachusetts", "Quincy", 42.25288, -71.00227},
      {"US", "Massachusetts", "Newton", 42.33704, -71.20922}},
     7922,
     21928,
     us_pools,
     sizeof(us_pools) / sizeof(us_pools[0]),
     {{"US", "North Carolina", "Charlotte", 35.22709, -80.84313},
      {"US", "Texas", "Dallas", 32.77666, -96.79699},
      {"US", "Illinois", "Chicago", 41.87811, -87.62980},
      {"US", "Georgia", "Atlanta", 33.74900, -84.38798},
      {"US", "Colorado", "Denver", 39.73915, -104.99025},
      {"US", "Pennsylvania", "Philadelphia", 39.95258, -75.16522}}},
    {"US West",
     "US",
     "Seattle HQ",
     -8,
     {"US", "Washington", "Seattle", 47.60621, -122.33207},
     {{"US", "Washington", "Bellevue", 47.61038, -122.20068},
      {"US", "Washington", "Redmond", 47.67399, -122.12151},
      {"US", "Washington", "Kirkland", 47.68149, -122.20874},
      {"US", "Washington", "Tacoma", 47.25288, -122.44429},
      {"US", "Washington", "Renton", 47.48288, -122.21707}},
     7922,
     21928,
     us_pools,
     sizeof(us_pools) / sizeof(us_pools[0]),
     {{"US", "California", "San Jose", 37.33821, -121.88633},
      {"US", "Oregon", "Portland", 45.51520, -122.67839},
      {"US", "Arizona", "Phoenix", 33.44838, -112.07404},
      {"US", "Nevada", "Las Vegas", 36.16994, -115.13983},
      {"US", "Utah", "Salt Lake City", 40.76078, -111.89105},
      {"US", "California", "Sacramento", 38.58157, -121.49440}}},
    {"UK",
     "GB",
     "London Office",
     0,
     {"GB", "England", "London", 51.50735, -0.12776},
     {{"GB", "England", "Croydon", 51.37623, -0.09821},
      {"GB", "England", "Reading", 51.45451, -0.97813},
      {"GB", "England", "Watford", 51.65647, -0.39023},
      {"GB", "England", "Guildford", 51.23622, -0.57041},
      {"GB", "England", "Slough", 51.51053, -0.59504}},
     2856,
     12576,
     uk_pools,
     sizeof(uk_pools) / sizeof(uk_pools[0]),
     {{"GB", "England", "Manchester", 53.48076, -2.24263},
      {"GB", "England", "Birmingham", 52.48624, -1.89040},
      {"GB", "England", "Leeds", 53.80076, -1.54908},
      {"GB", "Scotland", "Glasgow", 55.86424, -4.25181},
      {"GB", "England", "Bristol", 51.45451, -2.58791},
      {"GB", "England", "Liverpool", 53.40837, -2.99157}}},
    {"Germany",
     "DE",
     "Frankfurt Office",
     1,
     {"DE", "Hessen", "Frankfurt am Main", 50.11092, 8.68213},
     {{"DE", "Hessen", "Offenbach", 50.09564, 8.77612},
      {"DE", "Hessen", "Darmstadt", 49.87283, 8.65119},
      {"DE", "Hessen", "Wiesbaden", 50.07824, 8.23979},
      {"DE", "Rheinland-Pfalz", "Mainz", 49.99286, 8.24725},
      {"DE", "Hessen", "Hanau", 50.13287, 8.91663}},
     3320,
     3320,
     de_pools,
     sizeof(de_pools) / sizeof(de_pools[0]),
     {{"DE", "Berlin", "Berlin", 52.52001, 13.40495},
      {"DE", "Bayern", "Munchen", 48.13513, 11.58198},
      {"DE", "Hamburg", "Hamburg", 53.55108, 9.99368},
      {"DE", "Nordrhein-Westfalen", "Koln", 50.93753, 6.96028},
      {"DE", "Sachsen", "Leipzig", 51.33970, 12.37307},
      {"DE", "Baden-Wurttemberg", "Stuttgart", 48.77585, 9.18293}}},
    {"Australia",
     "AU",
     "Sydney Office",
     10,
     {"AU", "New South Wales", "Sydney", -33.86882, 151.20930},
     {{"AU", "New South Wales", "Parramatta", -33.81500, 151.00111},
      {"AU", "New South Wales", "Chatswood", -33.79710, 151.18027},
      {"AU", "New South Wales", "Bondi", -33.89152, 151.27675},
      {"AU", "New South Wales", "Manly", -33.79700, 151.28780},
      {"AU", "New South Wales", "Penrith", -33.75111, 150.69444}},
     1221,
     1221,
     au_pools,
     sizeof(au_pools) / sizeof(au_pools[0]),
     {{"AU", "Victoria", "Melbourne", -37.81363, 144.96306},
      {"AU", "Queensland", "Brisbane", -27.46977, 153.02513},
      {"AU", "Western Australia", "Perth", -31.95053, 115.86046},
      {"AU", "South Australia", "Adelaide", -34.92850, 138.60074},
      {"AU", "Australian Capital Territory", "Canberra", -35.28093, 149.13000},
      {"AU", "Queensland", "Gold Coast", -28.01667, 153.40000}}},
};

/* Travel destinations: a consumer block abroad and the city it is reported in. */
struct dest {
    struct pool pool;
    struct sim_geo geo;
};
static const struct dest dests[] = {
    {{IP4(86, 128, 0, 0), 10, 2856}, {"GB", "England", "London", 51.50735, -0.12776}},
    {{IP4(90, 0, 0, 0), 9, 3215}, {"FR", "Ile-de-France", "Paris", 48.85661, 2.35222}},
    {{IP4(153, 128, 0, 0), 9, 4713}, {"JP", "Tokyo", "Tokyo", 35.67620, 139.65031}},
    {{IP4(116, 86, 0, 0), 15, 9506}, {"SG", "Singapore", "Singapore", 1.35208, 103.81984}},
    {{IP4(71, 160, 0, 0), 11, 701}, {"US", "New York", "New York", 40.71278, -74.00597}},
    {{IP4(91, 0, 0, 0), 10, 3320}, {"DE", "Berlin", "Berlin", 52.52001, 13.40495}},
};

/* Hosting: Azure (AS8075) and VPS providers. */
static const struct dest azure[] = {
    {{IP4(40, 76, 0, 0), 14, 8075}, {"US", "Virginia", "Boydton", 36.66764, -78.38750}},
    {{IP4(52, 168, 0, 0), 14, 8075}, {"US", "Virginia", "Boydton", 36.66764, -78.38750}},
    {{IP4(20, 42, 0, 0), 16, 8075}, {"US", "Virginia", "Washington", 38.89511, -77.03637}},
};
static const struct dest vps[] = {
    {{IP4(159, 89, 0, 0), 16, 14061}, {"DE", "Hessen", "Frankfurt am Main", 50.11092, 8.68213}},
    {{IP4(167, 99, 0, 0), 16, 14061}, {"US", "New Jersey", "Clifton", 40.85843, -74.16376}},
    {{IP4(51, 38, 0, 0), 16, 16276}, {"FR", "Hauts-de-France", "Gravelines", 50.98650, 2.12807}},
    {{IP4(45, 32, 0, 0), 16, 20473}, {"US", "New Jersey", "Piscataway", 40.49927, -74.39904}},
    {{IP4(172, 104, 0, 0), 15, 63949}, {"JP", "Tokyo", "Tokyo", 35.67620, 139.65031}},
};

const struct sim_devinfo sim_devices[DEV__N] = {
    [DEV_NONE] = {"", "", ""},
    [DEV_WIN_EDGE] = {"Windows10", "Edge 133.0.0",
                      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
                      "Gecko) Chrome/133.0.0.0 Safari/537.36 Edg/133.0.0.0"},
    [DEV_WIN_CHROME] = {"Windows10", "Chrome 133.0.0",
                        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
                        "Gecko) Chrome/133.0.0.0 Safari/537.36"},
    [DEV_MAC_CHROME] = {"MacOs", "Chrome 133.0.0",
                        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
                        "(KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36"},
    [DEV_MAC_SAFARI] = {"MacOs", "Safari 18.3",
                        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
                        "(KHTML, like Gecko) Version/18.3 Safari/605.1.15"},
    [DEV_WIN_OUTLOOK] = {"Windows10", "Rich Client 16.0.18526",
                         "Mozilla/5.0 (Windows NT 10.0; Win64; x64; WebView/3.0) Microsoft "
                         "Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.18526; Pro)"},
    [DEV_IOS_OUTLOOK] = {"Ios", "", "Outlook-iOS/2.0"},
    [DEV_ANDROID_OUTLOOK] = {"Android", "", "Outlook-Android/2.0"},
    [DEV_LEGACY] = {"", "", "BAV2ROPC"},
    [DEV_ATTACK_CHROME] = {"Windows10", "Chrome 121.0.0",
                           "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, "
                           "like Gecko) Chrome/121.0.0.0 Safari/537.36"},
    [DEV_PYTHON] = {"", "", "python-requests/2.31.0"},
};

#define MS_TENANT "f8cdef31-a31e-4b4a-93e4-5f571e91255a"

static const struct {
    const char *id, *name;
} first_party[] = {
    [A_EXO] = {"00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online"},
    [A_GRAPH] = {"00000003-0000-0000-c000-000000000000", "Microsoft Graph"},
    [A_AADGRAPH] = {"00000002-0000-0000-c000-000000000000", "Windows Azure Active Directory"},
    [A_SPO] = {"00000003-0000-0ff1-ce00-000000000000", "Office 365 SharePoint Online"},
    [A_OFFICEHOME] = {"4765445b-32c6-49b0-83e6-1d93765276ca", "OfficeHome"},
    [A_OWA] = {"9199bf20-a13f-4107-85dc-02114787ef48", "One Outlook Web"},
    [A_TEAMS] = {"1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Microsoft Teams"},
    [A_TEAMS_SVC] = {"cc15fd57-2c6c-4117-a88c-83b1d56b4bbe", "Microsoft Teams Services"},
    [A_OFFICE] = {"d3590ed6-52b3-4102-aeff-aad2292ab01c", "Microsoft Office"},
    [A_OUTLOOK_MOBILE] = {"27922004-5251-4030-b22d-91ecd9a37ea4", "Outlook Mobile"},
    [A_ONEDRIVE] = {"ab9b8c07-8f02-4f72-87fa-80105867a763", "OneDrive SyncEngine"},
    [A_AZURE_PORTAL] = {"c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "Azure Portal"},
    [A_AZURE_MGMT] = {"797f4846-ba00-4fd7-ba43-dac1f8f63013",
                      "Windows Azure Service Management API"},
    [A_MY_SIGNINS] = {"19db86c3-b2b9-44cc-b339-36da233a3be2", "My Signins"},
    [A_AAD_PS] = {"1b730954-1685-4b74-9bfd-dac224a7b894", "Azure Active Directory PowerShell"},
    [A_GRAPH_CLI] = {"14d82eec-204b-4c2f-b7e8-296a70dab67e", "Microsoft Graph Command Line Tools"},
    [A_EXO_PS] = {"fb78d390-0c51-40cd-8e17-fdbfab77341b",
                  "Microsoft Exchange REST API Based Powershell"},
    [A_AUTH_BROKER] = {"29d9ed98-a469-4536-ade2-f981bc1d605e", "Microsoft Authentication Broker"},
    [A_ACCESS_PANEL] = {"0000000c-0000-0000-c000-000000000000", "Microsoft App Access Panel"},
    [A_SVC_CREDCONF] = {"ea890292-c8c8-4433-b5ea-b09d0668e1a6",
                        "Azure Credential Configuration Endpoint Service"},
    [A_SVC_SUBSTRATE] = {"98db8bd6-0cc0-4e67-9de5-f187f1cd1b41", "Microsoft Substrate Management"},
    [A_SVC_DRS] = {"01cb2876-7ebd-4aa4-9cc9-d28bd4d359a9", "Device Registration Service"},
    [A_SVC_ESTS] = {"00000001-0000-0000-c000-000000000000", "Azure ESTS Service"},
};

static const char *const backup_vendors[] = {"ArcBackup Cloud", "VaultKeep 365",
                                             "SafeHarbor Backup", "CloudCrate Archive",
                                             "Tidewater M365 Backup"};
static const char *const legacy_nicks[] = {"svc-legacytest", "test.migration", "svc-crmsync",
                                           "adm-onboarding", "sp.testadmin",   "svc-archive2019"};
static const char *const legacy_names[] = {"Legacy Test Account",   "Migration Test",
                                           "CRM Sync Service",      "Onboarding Admin (old)",
                                           "SharePoint Test Admin", "Archive Service 2019"};

/* --------------------------------------------------------------------------------------------- */

const char *sim_strdup(struct sim *s, const char *text)
{
    return m365_arena_strndup(&s->arena, text, strlen(text));
}

void sim_error(struct sim *s, const char *fmt, ...)
{
    if (s->err[0]) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, sizeof(s->err), fmt, ap);
    va_end(ap);
}

const char *sim_printf(struct sim *s, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0) {
        n = 0;
    }
    if ((size_t)n >= sizeof(tmp)) {
        n = sizeof(tmp) - 1;
    }
    return m365_arena_strndup(&s->arena, tmp, (size_t)n);
}

uint16_t sim_ip_add(struct sim *s, const char *addr, uint32_t asn, uint8_t kind,
                    const struct sim_geo *geo)
{
    for (uint32_t i = 0; i < s->n_ips; i++) {
        if (strcmp(s->ips[i].addr, addr) == 0) {
            return (uint16_t)i;
        }
    }
    if (s->n_ips == s->cap_ips) {
        uint32_t cap = s->cap_ips ? s->cap_ips * 2 : 256;
        if (cap > SIM_NONE) {
            cap = SIM_NONE;
        }
        if (s->n_ips >= cap) {
            return 0; /* the table is full: reuse the first address rather than fail */
        }
        struct sim_ip *n = realloc(s->ips, cap * sizeof(*n));
        if (!n) {
            return 0;
        }
        s->ips = n;
        s->cap_ips = cap;
    }
    struct sim_ip *ip = &s->ips[s->n_ips];
    memset(ip, 0, sizeof(*ip));
    snprintf(ip->addr, sizeof(ip->addr), "%s", addr);
    ip->asn = asn;
    ip->kind = kind;
    if (geo) {
        ip->geo = *geo;
    }
    return (uint16_t)s->n_ips++;
}

static uint16_t pool_ip(struct sim *s, struct sim_rng *r, const struct pool *p, uint8_t kind,
                        const struct sim_geo *geo)
{
    uint32_t hosts = p->prefix >= 32 ? 1 : (uint32_t)1 << (32 - p->prefix);
    uint32_t a = p->base + 1 + sim_below(r, hosts - 2);
    if ((a & 0xff) == 0 || (a & 0xff) == 255) {
        a ^= 7; /* avoid network-looking and broadcast-looking hosts */
    }
    char txt[20];
    snprintf(txt, sizeof(txt), "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
    return sim_ip_add(s, txt, p->asn, kind, geo);
}

static const struct region *region_of(const struct sim *s)
{
    for (size_t i = 0; i < sizeof(regions) / sizeof(regions[0]); i++) {
        if (strcmp(regions[i].name, s->tenant.region_name) == 0) {
            return &regions[i];
        }
    }
    return &regions[0];
}

uint16_t sim_ip_residential(struct sim *s, struct sim_rng *r)
{
    const struct region *g = region_of(s);
    const struct pool *p = &g->residential[sim_below(r, (uint32_t)g->n_residential)];
    return pool_ip(s, r, p, IPK_PROXY, &g->proxy_cities[sim_below(r, 6)]);
}

uint16_t sim_ip_azure(struct sim *s, struct sim_rng *r)
{
    const struct dest *d = &azure[sim_below(r, sizeof(azure) / sizeof(azure[0]))];
    return pool_ip(s, r, &d->pool, IPK_HOSTING, &d->geo);
}

uint16_t sim_ip_vps(struct sim *s, struct sim_rng *r)
{
    const struct dest *d = &vps[sim_below(r, sizeof(vps) / sizeof(vps[0]))];
    return pool_ip(s, r, &d->pool, IPK_HOSTING, &d->geo);
}

uint16_t sim_ip_microsoft6(struct sim *s, struct sim_rng *r)
{
    static const char *const prefixes[] = {"2603:10b6:510", "2603:10b6:806", "2603:10b6:5",
                                           "2603:10b6:208", "2603:10b6:303"};
    char txt[48];
    /* One draw per statement: argument order is unspecified in C. */
    const char *prefix = prefixes[sim_below(r, 5)];
    unsigned a = sim_below(r, 0x3ff) + 1;
    unsigned b = sim_below(r, 0x3f) + 1;
    snprintf(txt, sizeof(txt), "%s:%x::%x", prefix, a, b);
    static const struct sim_geo geo = {"US", "Virginia", "Boydton", 36.66764, -78.38750};
    return sim_ip_add(s, txt, 8075, IPK_MICROSOFT, &geo);
}

uint16_t sim_ip_pool(struct sim *s, struct sim_rng *r, uint8_t kind)
{
    const struct region *g = region_of(s);
    if (kind == IPK_TRAVEL) {
        /* Abroad: never the tenant's own country. */
        for (int tries = 0; tries < 16; tries++) {
            const struct dest *d = &dests[sim_below(r, sizeof(dests) / sizeof(dests[0]))];
            if (strcmp(d->geo.country, g->country) != 0) {
                return pool_ip(s, r, &d->pool, IPK_TRAVEL, &d->geo);
            }
        }
        return pool_ip(s, r, &dests[2].pool, IPK_TRAVEL, &dests[2].geo);
    }
    if (kind == IPK_CARRIER) {
        /* Mobile networks: IPv6 from the documentation prefix. */
        char txt[48];
        unsigned h1 = sim_below(r, 0xfff) + 1;
        unsigned h2 = sim_below(r, 0xffff);
        unsigned h3 = sim_below(r, 0xffff);
        unsigned h4 = sim_below(r, 0xfff) + 1;
        snprintf(txt, sizeof(txt), "2001:db8:%x:%x:%x::%x", h1, h2, h3, h4);
        return sim_ip_add(s, txt, g->mobile_asn, IPK_CARRIER, &g->homes[sim_below(r, 5)]);
    }
    return sim_ip_residential(s, r);
}

/* --------------------------------------------------------------------------------------------- */

uint16_t sim_app_add(struct sim *s, const char *id, const char *name, uint8_t kind,
                     const char *owner_tenant, struct sim_rng *r)
{
    if (s->n_apps == SIM_MAX_APPS) {
        return A_GRAPH; /* never reached by the scenarios; keeps the index valid */
    }
    struct sim_app *a = &s->apps[s->n_apps];
    memset(a, 0, sizeof(*a));
    char g[37];
    if (!id) {
        sim_guid(sim_key(r), g);
        id = g;
    }
    a->id = sim_strdup(s, id);
    a->name = sim_strdup(s, name);
    sim_guid(sim_key(r), a->sp);
    sim_guid(sim_key(r), a->obj);
    a->owner_tenant = owner_tenant ? sim_strdup(s, owner_tenant) : s->tenant.id;
    a->kind = kind;
    return (uint16_t)s->n_apps++;
}

static char *lower_alnum(struct sim *s, const char *name, const char *sep)
{
    char tmp[128];
    size_t n = 0;
    for (const char *p = name; *p && n + 2 < sizeof(tmp); p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')) {
            tmp[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        } else if (*p == ' ' && sep && *sep) {
            tmp[n++] = *sep;
        }
    }
    tmp[n] = '\0';
    return m365_arena_strndup(&s->arena, tmp, n);
}

int sim_users_pin(struct sim *s, uint32_t headroom)
{
    uint32_t cap = s->n_users + headroom;
    if (cap > s->cap_users) {
        struct sim_user *n = realloc(s->users, cap * sizeof(*n));
        if (!n) {
            return -1;
        }
        s->users = n;
        s->cap_users = cap;
    }
    s->users_pinned = true;
    return 0;
}

uint32_t sim_user_add(struct sim *s, const char *nick, const char *display, uint8_t role,
                      uint8_t lic, struct sim_rng *r)
{
    if (s->n_users == s->cap_users && s->users_pinned) {
        return SIM_NONE; /* past the room reserved for the scenarios' accounts */
    }
    if (s->n_users == s->cap_users) {
        uint32_t cap = s->cap_users ? s->cap_users * 2 : 64;
        struct sim_user *n = realloc(s->users, cap * sizeof(*n));
        if (!n) {
            return SIM_NONE;
        }
        s->users = n;
        s->cap_users = cap;
    }
    /* Nicknames are unique: a second "sam.park" becomes "sam.park2". */
    char base[96];
    snprintf(base, sizeof(base), "%s", nick);
    for (int k = 2;; k++) {
        bool clash = false;
        for (uint32_t i = 0; i < s->n_users; i++) {
            if (strcmp(s->users[i].nick, base) == 0) {
                clash = true;
                break;
            }
        }
        if (!clash) {
            break;
        }
        snprintf(base, sizeof(base), "%s%d", nick, k);
    }
    struct sim_user *u = &s->users[s->n_users];
    memset(u, 0, sizeof(*u));
    u->nick = sim_strdup(s, base);
    u->upn = sim_printf(s, "%s@%s", base, s->tenant.domain);
    u->upn_len = strlen(u->upn);
    u->display = sim_strdup(s, display);
    u->role = role;
    u->lic = lic;
    u->enabled = true;
    u->boss = SIM_NONE;
    u->audit_on = INT64_MIN;
    u->audit_off = INT64_MAX;
    u->disabled_at = INT64_MAX;
    u->travel_from = u->travel_to = INT64_MAX;
    u->home = u->office = u->carrier = SIM_NONE;
    u->travel_ip = SIM_NONE;
    sim_guid(sim_key(r), u->id);
    sim_guid(sim_key(r), u->mbx);
    u->key = sim_str_hash(u->mbx);
    memcpy(u->puid, "1003", 4); /* real PUIDs of work accounts start 1003 */
    sim_hex(sim_key(r), u->puid + 4, 12, true);
    snprintf(u->sid, sizeof(u->sid), "S-1-5-21-%s-%u", s->tenant.sid_dom,
             10000000u + sim_below(r, 89999999u));
    return s->n_users++;
}

uint32_t sim_pick_user(struct sim *s, struct sim_rng *r, unsigned role_mask, bool claim)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < s->n_users; i++) {
        if (!s->users[i].claimed && (role_mask & (1u << s->users[i].role))) {
            n++;
        }
    }
    if (n == 0) {
        return SIM_NONE;
    }
    uint32_t k = sim_below(r, n);
    for (uint32_t i = 0; i < s->n_users; i++) {
        if (!s->users[i].claimed && (role_mask & (1u << s->users[i].role)) && k-- == 0) {
            if (claim) {
                s->users[i].claimed = true;
            }
            return i;
        }
    }
    return SIM_NONE;
}

bool sim_is_working_day(const struct sim *s, int64_t day_start)
{
    int64_t local = day_start + (int64_t)s->tenant.utc_offset * SIM_HOUR_MS;
    int64_t days = (local + SIM_HOUR_MS) / SIM_DAY_MS; /* local midnight, rounded to the day */
    int wd = (int)((days + 4) % 7);                    /* 1970-01-01 was a Thursday */
    return wd != s->tenant.weekend_a && wd != s->tenant.weekend_b;
}

int64_t sim_local(const struct sim *s, int64_t day_start, double hour)
{
    (void)s;
    return day_start + (int64_t)(hour * (double)SIM_HOUR_MS);
}

const char *sim_exo_object(struct sim *s, struct m365_arena *A, const char *name)
{
    int off = s->tenant.utc_offset;
    const char *forest = off >= 8 ? "APCPR01A004" : off >= -1 ? "EURPR07A010" : "NAMPR05A012";
    return sim_aprintf(A, "%s.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/%s/%s",
                       forest, s->tenant.domain, name);
}

const char *sim_licence_json(struct sim *s, uint8_t lic, const char *disabled)
{
    const char *sku = lic == LIC_E5 ? "SPE_E5" : "SPE_E3";
    const char *sku_id = lic == LIC_E5 ? "06ebc4ee-1bb5-47dd-8120-11324bc54e06"
                                       : "05e9a617-0261-4cee-bb44-138d3ef5d965";
    return sim_printf(s, "[\"[SkuName=%s, AccountId=%s, SkuId=%s, DisabledPlans=[%s]]\"]", sku,
                      s->tenant.id, sku_id, disabled ? disabled : "");
}

/* --------------------------------------------------------------------------------------------- */

static void person(struct sim *s, struct sim_rng *r, uint8_t role, uint8_t lic, const char *job,
                   const char *dept)
{
    const char *f = sim_first_names[sim_below(r, (uint32_t)sim_n_first_names)];
    const char *l = sim_last_names[sim_below(r, (uint32_t)sim_n_last_names)];
    char nick[96], display[96];
    snprintf(nick, sizeof(nick), "%s.%s", f, l);
    for (char *p = nick; *p; p++) {
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    }
    snprintf(display, sizeof(display), "%s %s", f, l);
    uint32_t i = sim_user_add(s, nick, display, role, lic, r);
    if (i != SIM_NONE) {
        s->users[i].job = job;
        s->users[i].dept = dept;
    }
}

static void account(struct sim *s, struct sim_rng *r, const char *nick, const char *display,
                    uint8_t role, uint8_t lic)
{
    uint32_t i = sim_user_add(s, nick, display, role, lic, r);
    if (i != SIM_NONE) {
        s->users[i].job = role == R_SHARED ? "Shared mailbox" : NULL;
    }
}

static void build_users(struct sim *s, struct sim_rng *r, uint32_t total)
{
    /* The people every organisation has, then ordinary staff up to the requested size. */
    person(s, r, R_EXEC, LIC_E5, "Chief Executive Officer", "Executive");
    person(s, r, R_EXEC, LIC_E5, "Chief Financial Officer", "Finance");
    if (total >= 24) {
        person(s, r, R_EXEC, LIC_E5, "General Counsel", "Legal");
    }
    person(s, r, R_CISO, LIC_E5, "Chief Information Security Officer", "Security");
    person(s, r, R_ADMIN, LIC_E5, "IT Administrator", "IT");
    if (total >= 24) {
        person(s, r, R_ADMIN, LIC_E5, "Systems Engineer", "IT");
        person(s, r, R_HELPDESK, LIC_E3, "IT Support Specialist", "IT");
    }
    person(s, r, R_SECANALYST, LIC_E5, "Security Analyst", "Security");
    if (total >= 30) {
        person(s, r, R_SECANALYST, LIC_E5, "Security Engineer", "Security");
    }
    person(s, r, R_ASSISTANT, LIC_E3, "Executive Assistant", "Executive");
    account(s, r, "secops", "Security Operations", R_SHARED, LIC_E5);
    account(s, r, "info", "Info", R_SHARED, LIC_NONE);
    if (total >= 24) {
        account(s, r, "hr", "Human Resources", R_SHARED, LIC_NONE);
        account(s, r, "support", "Support", R_SHARED, LIC_NONE);
        account(s, r, "reception", "Reception", R_SHARED, LIC_NONE);
    }
    account(s, r, "scanner", "Multifunction Printer", R_PRINTER, LIC_E3);
    /* Three dormant leftovers: a legacy E5 Global Administrator and two others. */
    uint32_t first_legacy = sim_below(r, 6);
    for (uint32_t k = 0; k < 3; k++) {
        uint32_t li = (first_legacy + k * 2) % 6;
        uint32_t i = sim_user_add(s, legacy_nicks[li], legacy_names[li], R_LEGACY,
                                  k == 0 ? LIC_E5 : LIC_E3, r);
        if (i != SIM_NONE && k == 0) {
            s->users[i].global_admin = true;
        }
    }
    person(s, r, R_FORMER, LIC_NONE, "Account Manager", "Sales");
    uint32_t hires = total / 30 + 1;
    for (uint32_t k = 0; k < hires; k++) {
        /* From three hires on, the last joins IT and is given a role while onboarded. */
        bool it = hires >= 3 && k == hires - 1;
        person(s, r, R_NEWHIRE, sim_chance(r, 0.2) ? LIC_E5 : LIC_E3,
               it ? "IT Support Specialist" : "Software Engineer", it ? "IT" : "Engineering");
    }
    static const char *const jobs[][2] = {
        {"Account Executive", "Sales"},        {"Sales Director", "Sales"},
        {"Financial Analyst", "Finance"},      {"Accountant", "Finance"},
        {"HR Manager", "Human Resources"},     {"Recruiter", "Human Resources"},
        {"Software Engineer", "Engineering"},  {"Product Manager", "Engineering"},
        {"Marketing Manager", "Marketing"},    {"Designer", "Marketing"},
        {"Operations Manager", "Operations"},  {"Paralegal", "Legal"},
        {"Customer Success Manager", "Sales"}, {"Data Analyst", "Engineering"}};
    while (s->n_users < total) {
        uint32_t j = sim_below(r, sizeof(jobs) / sizeof(jobs[0]));
        person(s, r, R_STAFF, sim_chance(r, 0.2) ? LIC_E5 : LIC_E3, jobs[j][0], jobs[j][1]);
    }
}

static void build_apps(struct sim *s, struct sim_rng *r, const char *company)
{
    for (int i = 0; i < A_BACKUP; i++) {
        /* Indices follow the A_* slots: apps are added in that order. */
        sim_app_add(s, first_party[i].id, first_party[i].name,
                    i >= A_SVC_CREDCONF ? APPK_SERVICE : APPK_FIRST_PARTY, MS_TENANT, r);
    }
    char owner[37];
    sim_guid(sim_key(r), owner);
    uint16_t b = sim_app_add(s, NULL, backup_vendors[sim_below(r, 5)], APPK_VENDOR, owner, r);
    s->apps[b].multi_tenant = true;
    s->apps[b].creds[0] =
        (struct sim_cred){sim_key(r), false, "vendor", s->start - 400 * SIM_DAY_MS, 0};
    s->apps[b].n_creds = 1;
    s->apps[b].sp_created = s->start - (200 + sim_below(r, 400)) * SIM_DAY_MS;

    uint16_t p =
        sim_app_add(s, NULL, sim_printf(s, "%s Payroll Connector", company), APPK_TENANT, NULL, r);
    s->apps[p].creds[0] =
        (struct sim_cred){sim_key(r), false, "prod-rotation", s->start - 180 * SIM_DAY_MS, 0};
    s->apps[p].n_creds = 1;
    s->apps[p].sp_created = s->start - 700 * SIM_DAY_MS;
    s->apps[p].reply_url =
        sim_printf(s, "https://payroll.%s.com/auth", lower_alnum(s, company, ""));

    char *pfx = lower_alnum(s, company, "");
    char upfx[8];
    snprintf(upfx, sizeof(upfx), "%.2s", pfx);
    upfx[0] = (char)(upfx[0] - 32);
    upfx[1] = (char)(upfx[1] - 32);
    uint16_t l =
        sim_app_add(s, NULL, sim_printf(s, "%s-Legacy-Automation", upfx), APPK_TENANT, NULL, r);
    s->apps[l].sp_created = s->start - (5 * 365 + sim_below(r, 200)) * SIM_DAY_MS;
    s->apps[l].reply_url = sim_printf(s, "https://automation.%s.com/auth/callback", pfx);

    uint16_t h = sim_app_add(s, NULL, sim_printf(s, "%s HR Portal", company), APPK_TENANT, NULL, r);
    s->apps[h].sp_created = s->start - 300 * SIM_DAY_MS;
    s->apps[h].reply_url = sim_printf(s, "https://hr.%s.com/signin-oidc", pfx);
    s->apps[h].creds[0] =
        (struct sim_cred){sim_key(r), false, "hr-portal-secret", s->start - 300 * SIM_DAY_MS, 0};
    s->apps[h].n_creds = 1;
}

int sim_tenant_build(struct sim *s)
{
    struct sim_rng r;
    sim_rng_seed(&r, s->opt->seed, 1);
    const struct region *g = &regions[sim_below(&r, sizeof(regions) / sizeof(regions[0]))];
    const char *company = companies[sim_below(&r, sizeof(companies) / sizeof(companies[0]))];
    struct sim_tenant *t = &s->tenant;
    t->name = sim_printf(s, "%s", company);
    char *dom = lower_alnum(s, company, "");
    t->domain = sim_printf(s, "%s%u.onmicrosoft.com", dom, 10 + sim_below(&r, 90));
    sim_guid(sim_key(&r), t->id);
    t->key = sim_str_hash(t->id);
    sim_guid(sim_key(&r), t->workspace);
    sim_guid(sim_key(&r), t->ca1);
    sim_guid(sim_key(&r), t->ca2);
    t->region_name = g->name;
    t->named_location = g->named_location;
    t->utc_offset = g->offset;
    t->weekend_a = 0;
    t->weekend_b = 6;
    /* The window starts at local midnight of the first day. */
    s->start = s->start_days * SIM_DAY_MS - (int64_t)t->utc_offset * SIM_HOUR_MS;
    s->end = s->start + (int64_t)s->opt->days * SIM_DAY_MS;

    /* Office egress addresses and the backup vendor's fixed address. */
    s->n_office = s->opt->users >= 200 ? 3 : 2;
    unsigned base = 10 + sim_below(&r, 100);
    for (unsigned i = 0; i < s->n_office; i++) {
        char a[20];
        snprintf(a, sizeof(a), "203.0.113.%u", base + i);
        s->office_ips[i] = sim_ip_add(s, a, g->home_asn, IPK_OFFICE, &g->office);
    }
    char v[20];
    snprintf(v, sizeof(v), "192.0.2.%u", 20 + sim_below(&r, 200));
    static const struct sim_geo ashburn = {"US", "Virginia", "Ashburn", 39.0438, -77.4874};
    s->vendor_ip = sim_ip_add(s, v, 14618, IPK_VENDOR, &ashburn);
    s->n_ms6 = 12;
    for (unsigned i = 0; i < s->n_ms6; i++) {
        s->ms6[i] = sim_ip_microsoft6(s, &r);
    }

    build_apps(s, &r, company);
    /* Permissions the tenant's apps have held for years. */
    int64_t old = s->start - 400 * SIM_DAY_MS;
    sim_grant_add(s, A_BACKUP, A_GRAPH, SIM_NONE, "Mail.Read",
                  "810c84a8-4a9e-49e6-bf7d-12d183f40d01", old);
    sim_grant_add(s, A_PAYROLL, A_GRAPH, SIM_NONE, "User.Read.All",
                  "df021288-bdef-4463-88db-98f22de89214", old);
    sim_grant_add(s, A_LEGACY_AUTO, A_GRAPH, SIM_NONE, "AppRoleAssignment.ReadWrite.All",
                  "06b708a9-e830-4db3-a914-8e69da51d44f", s->apps[A_LEGACY_AUTO].sp_created);
    sim_grant_add(s, A_HR_PORTAL, A_GRAPH, SIM_NONE, "openid profile User.Read", NULL, old);
    /* SIDs share the tenant's domain identifier. */
    unsigned sd[3];
    for (int i = 0; i < 3; i++) {
        sd[i] = 1000000000u + sim_below(&r, 2000000000u);
    }
    snprintf(t->sid_dom, sizeof(t->sid_dom), "%u-%u-%u", sd[0], sd[1], sd[2]);
    build_users(s, &r, s->opt->users);

    /* Per-user facts: homes, devices, history. */
    unsigned home_next = 2;
    uint32_t first_exec = SIM_NONE;
    bool ga_given = false;
    for (uint32_t i = 0; i < s->n_users; i++) {
        struct sim_user *u = &s->users[i];
        if (u->role == R_EXEC && first_exec == SIM_NONE) {
            first_exec = i;
        }
        if (u->role == R_ASSISTANT) {
            u->boss = first_exec;
        }
        bool person_like = u->role != R_SHARED && u->role != R_PRINTER && u->role != R_LEGACY &&
                           u->role != R_FORMER;
        u->office = s->office_ips[sim_below(&r, s->n_office)];
        if (u->role == R_PRINTER) {
            u->office = s->office_ips[s->n_office - 1];
        }
        if (person_like) {
            const struct sim_geo *hg = &g->homes[sim_below(&r, 5)];
            if (home_next < 250) {
                char a[20];
                snprintf(a, sizeof(a), "198.51.100.%u", home_next++);
                u->home = sim_ip_add(s, a, g->home_asn, IPK_HOME, hg);
            } else {
                u->home = sim_ip_residential(s, &r);
                s->ips[u->home].kind = IPK_HOME;
            }
            static const uint8_t desks[] = {DEV_WIN_EDGE, DEV_WIN_EDGE, DEV_WIN_CHROME,
                                            DEV_MAC_CHROME, DEV_MAC_SAFARI};
            u->desk = desks[sim_below(&r, 5)];
            double pm = u->role == R_EXEC || u->role == R_CISO ? 1.0 : 0.6;
            u->mob = sim_chance(&r, pm)
                         ? (sim_chance(&r, 0.6) ? DEV_IOS_OUTLOOK : DEV_ANDROID_OUTLOOK)
                         : DEV_NONE;
            u->carrier = u->mob != DEV_NONE ? sim_ip_pool(s, &r, IPK_CARRIER) : u->home;
            u->mfa = u->role != R_NEWHIRE;
            u->methods = u->mfa ? 3 : 0;
            u->created = s->start - (90 + sim_below(&r, 2500)) * SIM_DAY_MS;
            u->last_signin_before = s->start - sim_below(&r, 3 * 3600) * 1000LL;
        } else {
            u->desk = u->role == R_PRINTER ? DEV_LEGACY : DEV_WIN_EDGE;
            u->created = s->start - (400 + sim_below(&r, 2500)) * SIM_DAY_MS;
        }
        switch (u->role) {
        case R_LEGACY:
            u->created = s->start - (5 * 365 + sim_below(&r, 300)) * SIM_DAY_MS;
            u->last_signin_before =
                sim_chance(&r, 0.5) ? 0 : s->start - (400 + sim_below(&r, 900)) * SIM_DAY_MS;
            break;
        case R_FORMER:
            u->enabled = false;
            u->last_signin_before = s->start - (60 + sim_below(&r, 200)) * SIM_DAY_MS;
            break;
        case R_PRINTER: u->last_signin_before = s->start - 2 * SIM_DAY_MS; break;
        case R_NEWHIRE: {
            /* Starts on a working day in the first half of the window. */
            uint32_t span = s->opt->days > 4 ? s->opt->days / 2 : 1;
            int64_t day = s->start + (1 + sim_below(&r, span)) * SIM_DAY_MS;
            while (!sim_is_working_day(s, day)) {
                day += SIM_DAY_MS;
            }
            u->start = day;
            u->created = sim_local(s, day, 7.5 + sim_unit(&r));
            u->last_signin_before = 0;
            break;
        }
        default: break;
        }
        if (u->role == R_ADMIN && !ga_given) {
            u->global_admin = true; /* the first IT administrator; the other is not */
            ga_given = true;
        }
    }
    /* One traveller in windows of five days or more: a day's flight out, two to four days
     * abroad, a day's flight back (user_day). */
    if (s->opt->days >= 5) {
        uint32_t tv = sim_pick_user(s, &r, (1u << R_EXEC) | (1u << R_STAFF), false);
        if (tv != SIM_NONE) {
            struct sim_user *u = &s->users[tv];
            /* The whole trip in the window: a stay cut off by the end of the evidence looks
             * like a sign-in from a new country, not like travel. */
            uint32_t first = 1 + sim_below(&r, s->opt->days - 4);
            uint32_t most = s->opt->days - first - 2; /* days abroad that still fit */
            uint32_t abroad = 2 + sim_below(&r, most < 4 ? most - 1 : 3);
            int64_t from = s->start + (int64_t)first * SIM_DAY_MS;
            u->travel_from = from + 8 * SIM_HOUR_MS;
            u->travel_to = from + (int64_t)(1 + abroad) * SIM_DAY_MS;
            u->travel_ip = sim_ip_pool(s, &r, IPK_TRAVEL);
        }
    }
    return 0;
}

/* What a responder's ServiceTags download and ASN database say about the simulated Internet:
 * every hosting block the simulator draws from (attack or not), as an --ip-ranges CIDR list.
 * Sign-in exports without an ASN (Graph v1.0, UAL) need it to place those addresses. */
int sim_hosting_ranges_write(struct sim *s)
{
    if (sim_mkdirs(s, "enrichment/ip-ranges.txt") != 0) { /* makes the parent folders */
        return -1;
    }
    char *path = malloc(strlen(s->out_dir) + 40);
    if (!path) {
        return -1;
    }
    sprintf(path, "%s/enrichment/ip-ranges.txt", s->out_dir);
    FILE *f = fopen(path, "wb");
    int rc = f ? 0 : -1;
    if (f) {
        fprintf(f, "# Hosting networks of the simulated Internet (not evidence), for\n"
                   "#   m365hunt scan --ip-ranges enrichment/ip-ranges.txt <evidence dirs>\n");
        for (size_t i = 0; i < sizeof(azure) / sizeof(azure[0]); i++) {
            uint32_t b = azure[i].pool.base;
            fprintf(f, "%u.%u.%u.%u/%u AzureCloud.eastus\n", b >> 24, (b >> 16) & 255,
                    (b >> 8) & 255, b & 255, (unsigned)azure[i].pool.prefix);
        }
        for (size_t i = 0; i < sizeof(vps) / sizeof(vps[0]); i++) {
            uint32_t b = vps[i].pool.base;
            fprintf(f, "%u.%u.%u.%u/%u AS%u\n", b >> 24, (b >> 16) & 255, (b >> 8) & 255,
                    b & 255, (unsigned)vps[i].pool.prefix, (unsigned)vps[i].pool.asn);
        }
        if (ferror(f)) {
            rc = -1;
        }
        if (fclose(f) != 0) {
            rc = -1;
        }
    }
    if (rc != 0) {
        sim_error(s, "%s: cannot write: %s", path, strerror(errno));
    }
    free(path);
    return rc;
}

/* What a city database (GeoLite2-City) says of the simulated Internet: every address the
 * simulator drew, where Entra's sign-in logs place it, for --geo-db. The UAL's sign-ins carry no
 * location: with it they are placed. */
int sim_city_db_write(struct sim *s)
{
    char *path = malloc(strlen(s->out_dir) + 40);
    if (!path) {
        return -1;
    }
    sprintf(path, "%s/enrichment/city.mmdb", s->out_dir);
    /* The build time is the simulation's start: the same options, the same bytes. */
    uint64_t epoch = s->start > 0 ? (uint64_t)(s->start / 1000) : 1;
    struct m365_mmdb_writer *w =
        m365_mmdb_writer_new("GeoLite2-City", "m365hunt simulate: the simulated Internet", epoch);
    int rc = w ? 0 : -1;
    errno = 0;
    for (uint32_t i = 0; rc == 0 && i < s->n_ips; i++) {
        const struct sim_ip *ip = &s->ips[i];
        if (!ip->geo.country || !*ip->geo.country) {
            continue;
        }
        /* A database is surer of fixed lines than of carriers and proxies. */
        unsigned radius = ip->kind == IPK_CARRIER || ip->kind == IPK_PROXY ? 100
                          : ip->kind == IPK_HOSTING || ip->kind == IPK_MICROSOFT ? 50
                                                                                 : 20;
        rc = m365_mmdb_writer_add_city(w, ip->addr, ip->geo.country, ip->geo.city, ip->geo.lat,
                                       ip->geo.lon, radius);
    }
    if (rc == 0 && m365_mmdb_writer_write(w, 28, path) != 0) {
        rc = -1;
    }
    m365_mmdb_writer_free(w);
    if (rc != 0) {
        sim_error(s, "%s: cannot write: %s", path, errno ? strerror(errno) : "out of memory");
    }
    free(path);
    return rc;
}
