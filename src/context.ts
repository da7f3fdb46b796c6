import DataLoader from 'dataloader';
import type { Config } from './config';
import type { CommunityModel } from './models/model.entity';
import type { ModelOrganisationRow } from './models/model.service';
import type { Organisation } from './organisations/organisation.entity';
import type { PeriodReport } from './periods/period-report.entity';
import type { RegisteredFigures } from './periods/period.service';
import type { ReportingPeriod } from './periods/reporting-period.entity';
import type { ModelReach } from './replications/graph.types';
import type { ReplicationLink } from './replications/replication-link.entity';
import type { Services } from './services';
import type { SummaryKey } from './summaries/summary.service';
import type { ModelSummary } from './summaries/summary.types';
import type { Actor } from './shared/actor';

/** DataLoaders of one request (or one subscription event): batch by key, one SQL per batch. */
export interface Loaders {
  organisationById: DataLoader<string, Organisation | null>;
  modelById: DataLoader<string, CommunityModel | null>;
  replicationLinkById: DataLoader<string, ReplicationLink | null>;
  replicationLinkByTargetId: DataLoader<string, ReplicationLink | null>;
  organisationsByModelId: DataLoader<string, ModelOrganisationRow[]>;
  leadOrganisationByModelId: DataLoader<string, Organisation | null>;
  /** The same rows without their timestamps, for selections that do not show them. */
  untimedLeadOrganisationByModelId: DataLoader<string, Organisation | null>;
  lineageByModelId: DataLoader<string, CommunityModel[]>;
  periodById: DataLoader<string, ReportingPeriod | null>;
  periodByCode: DataLoader<string, ReportingPeriod | null>;
  reportsByOrganisationId: DataLoader<string, PeriodReport[]>;
  reportsByPeriodId: DataLoader<string, PeriodReport[]>;
  registeredByOrganisationPeriod: DataLoader<{ organisationId: string; periodId: string }, RegisteredFigures, string>;
  summaryByOrganisation: DataLoader<SummaryKey, ModelSummary, string>;
  /** Model.reach, keyed by model and depth cap: one recursive CTE for the whole batch. */
  reachByModel: DataLoader<{ modelId: string; maxDepth: number }, ModelReach, string>;
  /**
   * Nested lists: one loader per list kind and argument set, keyed by parent id, so every parent
   * asking the same page of the same list shares one SQL statement. `site` is the field's
   * `info.fieldNodes`: within one request the same site always has the same arguments, so every
   * parent after the first finds its loader without the arguments being serialised again.
   */
  pages<T>(kind: string, site: object, args: unknown, batch: (parentIds: readonly string[]) => Promise<T[]>): DataLoader<string, T>;
  /** The newest event id, read once per request however many fields ask for it. */
  latestEventId(): Promise<number>;
}

export function createLoaders(services: Services, config: Config): Loaders {
  const { organisations, models, replications, graph, periods, summaries, events } = services;
  const pageLoaders = new Map<string, DataLoader<string, unknown>>();
  const pageLoadersBySite = new WeakMap<object, Map<string, DataLoader<string, unknown>>>();
  let latestEventId: Promise<number> | null = null;
  return {
    organisationById: new DataLoader((ids) => organisations.byIds(ids)),
    modelById: new DataLoader((ids) => models.byIds(ids)),
    replicationLinkById: new DataLoader((ids) => replications.byIds(ids)),
    replicationLinkByTargetId: new DataLoader((ids) => replications.byTargetIds(ids)),
    organisationsByModelId: new DataLoader((ids) => models.organisationsOf(ids)),
    leadOrganisationByModelId: new DataLoader((ids) => organisations.leadsOf(ids)),
    untimedLeadOrganisationByModelId: new DataLoader((ids) => organisations.leadsOf(ids, false)),
    lineageByModelId: new DataLoader((ids) => replications.lineage(ids, config.maxGraphDepth)),
    periodById: new DataLoader((ids) => periods.byIds(ids)),
    periodByCode: new DataLoader((codes) => periods.byCodes(codes)),
    reportsByOrganisationId: new DataLoader((ids) => periods.reportsByOrganisation(ids)),
    reportsByPeriodId: new DataLoader((ids) => periods.reportsByPeriod(ids)),
    registeredByOrganisationPeriod: new DataLoader((keys) => periods.registered(keys), {
      cacheKeyFn: (k) => `${k.organisationId}:${k.periodId}`,
    }),
    summaryByOrganisation: new DataLoader((keys) => summaries.forOrganisations(keys), {
      cacheKeyFn: (k) => `${k.organisationId}:${k.period ?? ''}:${k.includeDescendants}`,
    }),
    reachByModel: new DataLoader((keys) => graph.reach(keys), { cacheKeyFn: (k) => `${k.modelId}:${k.maxDepth}` }),
    pages<T>(kind: string, site: object, args: unknown, batch: (parentIds: readonly string[]) => Promise<T[]>): DataLoader<string, T> {
      let atSite = pageLoadersBySite.get(site);
      let loader = atSite?.get(kind);
      if (!loader) {
        // Identical arguments at another site (an alias, a fragment) share the loader too.
        const key = `${kind}:${JSON.stringify(args)}`;
        loader = pageLoaders.get(key);
        if (!loader) pageLoaders.set(key, (loader = new DataLoader(batch as (ids: readonly string[]) => Promise<unknown[]>)));
        if (!atSite) pageLoadersBySite.set(site, (atSite = new Map()));
        atSite.set(kind, loader);
      }
      return loader as DataLoader<string, T>;
    },
    latestEventId() {
      return (latestEventId ??= events.position(null));
    },
  };
}

/** What every resolver receives. */
export interface Context {
  config: Config;
  services: Services;
  loaders: Loaders;
  /** The caller; null when no valid token was sent. */
  actor: Actor | null;
  /** Set on WebSocket connections: what to do with a subscriber that fell too far behind. */
  subscriber?: {
    tooSlow(resumeAfter: string): void;
    /** The log id of the last event whose message was handed to the socket. */
    sent?: number;
  };
}

