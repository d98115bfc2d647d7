import type { FieldMetadata, MetadataStore, ObjectMetadata } from './metadata.ts';

/** One workspace and one application own everything the contract server holds. */
const WORKSPACE_ID = '20202020-1c25-4d02-bf25-6aeccf7ea419';
const APPLICATION_ID = 'df613eac-ee26-4bc1-bf48-f5dcb37678e3';

/**
 * A field as Twenty v2.21's metadata API shows it: relation details live in `settings`
 * (`relationType`, `joinColumnName`, `onDelete`), options and default only where the field has them.
 */
export function presentField(field: FieldMetadata): Record<string, unknown> {
  const relation = field.relation;
  const settings =
    relation === null
      ? undefined
      : relation.type === 'MANY_TO_ONE'
        ? { onDelete: 'SET_NULL', relationType: relation.type, joinColumnName: relation.joinColumnName }
        : { relationType: relation.type };
  return {
    id: field.id,
    universalIdentifier: field.id,
    applicationId: APPLICATION_ID,
    type: field.type,
    name: field.name,
    label: field.label,
    ...(field.description === null ? {} : { description: field.description }),
    ...(field.icon === null ? {} : { icon: field.icon }),
    isActive: field.isActive,
    isSystem: field.isSystem,
    isUIEditable: !field.isSystem,
    isUIReadOnly: field.isSystem,
    isNullable: field.isNullable,
    isUnique: field.isUnique,
    ...(field.defaultValue === null ? {} : { defaultValue: field.defaultValue }),
    ...(field.options === null ? {} : { options: field.options }),
    ...(settings === undefined ? {} : { settings }),
    workspaceId: WORKSPACE_ID,
    objectMetadataId: field.objectMetadataId,
    isLabelSyncedWithName: false,
    createdAt: field.createdAt,
    updatedAt: field.updatedAt,
  };
}

/** An object with its fields, as the metadata API lists and returns it. */
export function presentObject(store: MetadataStore, object: ObjectMetadata): Record<string, unknown> {
  const fields = store.fieldsOf(object.id);
  return {
    id: object.id,
    universalIdentifier: object.id,
    applicationId: APPLICATION_ID,
    nameSingular: object.nameSingular,
    namePlural: object.namePlural,
    labelSingular: object.labelSingular,
    labelPlural: object.labelPlural,
    description: object.description,
    icon: object.icon,
    isActive: object.isActive,
    isSystem: object.isSystem,
    isLabelSyncedWithName: false,
    isRemote: false,
    isSearchable: !object.isSystem,
    isUICreatable: !object.isSystem,
    isUIEditable: !object.isSystem,
    isUIReadOnly: object.isSystem,
    labelIdentifierFieldMetadataId: fields.find((f) => f.name === 'name')?.id ?? null,
    workspaceId: WORKSPACE_ID,
    createdAt: object.createdAt,
    updatedAt: object.updatedAt,
    fields: fields.map(presentField),
  };
}
