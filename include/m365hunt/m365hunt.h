/* m365hunt — find, scope and explain Microsoft 365 / Entra ID intrusions in exported evidence. */
#ifndef M365HUNT_H
#define M365HUNT_H
#include "event.h"
#include "finding.h"
#include "incident.h"
#include "report.h"
#include "rules.h"
#include "scan.h"
#include "snapshot.h"
#include "status.h"
#include "version.h"
#endif
