import { referenceId } from '../shared/entities';
import type { FeatureModule } from '../shared/module';
import { STATEMENT_COST } from '../shared/statement-costs';
import type { ModelsContext } from './model.loaders';
import { DomainFiguresResolver, ModelOrganisationResolver, ModelResolver, ORGANISATION_MODELS_PAGE, OrganisationModelsResolver } from './model.resolver';

/** Models: the named initiatives organisations run, in four domains. */
export const modelsModule: FeatureModule = {
  resolvers: [ModelResolver, ModelOrganisationResolver, OrganisationModelsResolver, DomainFiguresResolver],
  references: {
    Model: async (ref: unknown, ctx: ModelsContext) => ctx.loaders.modelById.load(referenceId(ref, 'Model')),
  },
  statementCosts: {
    'Query.models': STATEMENT_COST,
    'Organisation.models': STATEMENT_COST,
  },
  nestedPages: { 'Organisation.models': ORGANISATION_MODELS_PAGE },
};
