import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import type { ReplicationsContext } from '../replications/replication.loaders';
import { listComplexity } from '../shared/graphql';
import { isUuid } from '../shared/ids';
import { Node, markNode } from '../shared/node';
import { checkPageSize } from '../shared/pagination';

/** What node(id:) reads: the three loaders of the Node types. */
type Context = ReplicationsContext;

/**
 * The object an id names, or null. Ids are UUIDs with no type prefix, so each Node type's loader
 * is asked (all three queued in the same tick): however many ids a request looks up, that is one
 * statement per type, and the rows are the ones every other field of the request reuses.
 */
async function findNode(ctx: Context, id: string): Promise<Node | null> {
  if (!isUuid(id)) return null;
  const key = id.toLowerCase();
  const [organisation, model, link] = await Promise.all([
    ctx.loaders.organisationById.load(key),
    ctx.loaders.modelById.load(key),
    ctx.loaders.replicationLinkById.load(key),
  ]);
  if (organisation) return markNode(organisation, 'Organisation');
  if (model) return markNode(model, 'Model');
  if (link) return markNode(link, 'ReplicationLink');
  return null;
}

@Resolver()
export class NodeResolver {
  @Query(() => Node, { nullable: true, description: 'The Organisation, Model or ReplicationLink with this id (Relay refetch); null when none has it.' })
  async node(@Arg('id', () => ID, { description: 'The id of any Node (a UUID).' }) id: string, @Ctx() ctx: Context): Promise<Node | null> {
    return findNode(ctx, id);
  }

  @Query(() => [Node], {
    nullable: 'items',
    complexity: listComplexity(100),
    description:
      'The objects with these ids, in the same order, null where no Node has one; at most MAX_PAGE_SIZE ids. One statement per Node type, however many ids.',
  })
  async nodes(
    @Arg('ids', () => [ID], { description: 'Ids of any Node types, mixed (UUIDs).' }) ids: string[],
    @Ctx() ctx: Context,
  ): Promise<Array<Node | null>> {
    checkPageSize('ids', ids.length, ctx.config.maxPageSize);
    return Promise.all(ids.map((id) => findNode(ctx, id)));
  }
}
