import { randomUUID } from 'node:crypto';

/** Field types the contract server knows; the names are Twenty's FieldMetadataType values. */
export const FIELD_TYPES = [
  'UUID',
  'TEXT',
  'NUMBER',
  'BOOLEAN',
  'DATE_TIME',
  'SELECT',
  'FULL_NAME',
  'EMAILS',
  'PHONES',
  'LINKS',
  'RICH_TEXT_V2',
  'RELATION',
  'POSITION',
  'ACTOR',
  'TS_VECTOR',
  'ARRAY',
  'MULTI_SELECT',
] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export const OPTION_COLORS = ['green', 'turquoise', 'sky', 'blue', 'purple', 'pink', 'red', 'orange', 'yellow', 'gray'];

export interface SelectOption {
  id: string;
  value: string;
  label: string;
  color: string;
  /** v2.21 stores an option without a position as given. */
  position?: number;
}

export interface RelationInfo {
  type: 'MANY_TO_ONE' | 'ONE_TO_MANY';
  targetObjectMetadataId: string;
  /** For MANY_TO_ONE: the join column holding the target's id, e.g. personId. */
  joinColumnName?: string;
}

export interface FieldMetadata {
  id: string;
  objectMetadataId: string;
  name: string;
  label: string;
  type: FieldType;
  description: string | null;
  icon: string | null;
  isCustom: boolean;
  isSystem: boolean;
  isNullable: boolean;
  isUnique: boolean;
  isActive: boolean;
  defaultValue: unknown;
  options: SelectOption[] | null;
  relation: RelationInfo | null;
  createdAt: string;
  updatedAt: string;
}

export interface ObjectMetadata {
  id: string;
  nameSingular: string;
  namePlural: string;
  labelSingular: string;
  labelPlural: string;
  description: string | null;
  icon: string | null;
  isCustom: boolean;
  isActive: boolean;
  isSystem: boolean;
  createdAt: string;
  updatedAt: string;
}

type FieldSpec = Partial<FieldMetadata> & { name: string; type: FieldType };

const now = () => new Date().toISOString();

/** Workspace schema: objects and their fields, with Twenty's standard objects already present. */
export class MetadataStore {
  readonly objects = new Map<string, ObjectMetadata>();
  readonly fields = new Map<string, FieldMetadata>();

  constructor() {
    this.seedStandardObjects();
  }

  objectBySingular(name: string): ObjectMetadata | undefined {
    return [...this.objects.values()].find((o) => o.nameSingular === name);
  }

  objectByPlural(name: string): ObjectMetadata | undefined {
    return [...this.objects.values()].find((o) => o.namePlural === name);
  }

  fieldsOf(objectId: string): FieldMetadata[] {
    return [...this.fields.values()].filter((f) => f.objectMetadataId === objectId);
  }

  addObject(input: {
    nameSingular: string;
    namePlural: string;
    labelSingular: string;
    labelPlural: string;
    description?: string | null;
    icon?: string | null;
    isCustom: boolean;
    isSystem?: boolean;
  }): ObjectMetadata {
    const object: ObjectMetadata = {
      id: randomUUID(),
      nameSingular: input.nameSingular,
      namePlural: input.namePlural,
      labelSingular: input.labelSingular,
      labelPlural: input.labelPlural,
      description: input.description ?? null,
      icon: input.icon ?? null,
      isCustom: input.isCustom,
      isActive: true,
      isSystem: input.isSystem ?? false,
      createdAt: now(),
      updatedAt: now(),
    };
    this.objects.set(object.id, object);
    // Every object, standard or custom, has these system fields.
    for (const spec of [
      { name: 'id', type: 'UUID', isSystem: true, isNullable: false },
      { name: 'createdAt', type: 'DATE_TIME', isSystem: true, isNullable: false },
      { name: 'updatedAt', type: 'DATE_TIME', isSystem: true, isNullable: false },
      { name: 'deletedAt', type: 'DATE_TIME', isSystem: true },
      { name: 'position', type: 'POSITION', isSystem: true },
      { name: 'createdBy', type: 'ACTOR', isSystem: true },
      { name: 'updatedBy', type: 'ACTOR', isSystem: true },
      { name: 'searchVector', type: 'TS_VECTOR', isSystem: true },
    ] satisfies FieldSpec[])
      this.addField(object.id, spec);
    // Custom objects get a `name` label field (Twenty's label identifier) and, in v2.21, relations
    // from the timeline, attachments, notes and tasks: those names are taken on every custom object.
    if (input.isCustom) {
      this.addField(object.id, { name: 'name', type: 'TEXT', label: 'Name' });
      for (const [name, target] of [
        ['timelineActivities', 'timelineActivity'],
        ['attachments', 'attachment'],
        ['noteTargets', 'noteTarget'],
        ['taskTargets', 'taskTarget'],
      ] as const) {
        const targetId = this.objectBySingular(target)?.id;
        if (targetId !== undefined)
          this.addField(object.id, {
            name,
            type: 'RELATION',
            isSystem: true,
            relation: { type: 'ONE_TO_MANY', targetObjectMetadataId: targetId },
          });
      }
    }
    return object;
  }

  addField(objectMetadataId: string, spec: FieldSpec): FieldMetadata {
    const field: FieldMetadata = {
      id: randomUUID(),
      objectMetadataId,
      label: spec.name,
      description: null,
      icon: null,
      isCustom: false,
      isSystem: false,
      isNullable: true,
      isUnique: false,
      isActive: true,
      defaultValue: null,
      options: null,
      relation: null,
      createdAt: now(),
      updatedAt: now(),
      ...spec,
    };
    this.fields.set(field.id, field);
    return field;
  }

  private seedStandardObjects(): void {
    const options = (values: string[]): SelectOption[] =>
      values.map((value, position) => ({ id: randomUUID(), value, label: value, color: 'gray', position }));
    const company = this.addObject({
      nameSingular: 'company',
      namePlural: 'companies',
      labelSingular: 'Company',
      labelPlural: 'Companies',
      isCustom: false,
    });
    this.addField(company.id, { name: 'name', type: 'TEXT' });
    this.addField(company.id, { name: 'domainName', type: 'LINKS', isUnique: true });

    const person = this.addObject({
      nameSingular: 'person',
      namePlural: 'people',
      labelSingular: 'Person',
      labelPlural: 'People',
      isCustom: false,
    });
    this.addField(person.id, { name: 'name', type: 'FULL_NAME' });
    // emails is unique (upsert matches on primaryEmail); phones is NOT (twenty.md §2).
    this.addField(person.id, { name: 'emails', type: 'EMAILS', isUnique: true });
    this.addField(person.id, { name: 'phones', type: 'PHONES' });
    this.addField(person.id, { name: 'linkedinLink', type: 'LINKS' });
    this.addField(person.id, { name: 'jobTitle', type: 'TEXT' });
    this.addField(person.id, { name: 'avatarUrl', type: 'TEXT' });
    this.addField(person.id, { name: 'intro', type: 'TEXT' });
    // v2.21's person has a second PHONES field; its empty value carries the workspace's default country.
    this.addField(person.id, { name: 'whatsapp', type: 'PHONES' });
    this.addField(person.id, { name: 'workPreference', type: 'MULTI_SELECT' });
    this.addManyToOne(person.id, 'company', company.id, 'people');

    const task = this.addObject({
      nameSingular: 'task',
      namePlural: 'tasks',
      labelSingular: 'Task',
      labelPlural: 'Tasks',
      isCustom: false,
    });
    this.addField(task.id, { name: 'title', type: 'TEXT' });
    this.addField(task.id, { name: 'bodyV2', type: 'RICH_TEXT_V2' });
    this.addField(task.id, { name: 'dueAt', type: 'DATE_TIME' });
    this.addField(task.id, {
      name: 'status',
      type: 'SELECT',
      options: options(['TODO', 'IN_PROGRESS', 'DONE']),
      defaultValue: "'TODO'",
    });
    this.addField(task.id, { name: 'assigneeId', type: 'UUID' });

    const note = this.addObject({
      nameSingular: 'note',
      namePlural: 'notes',
      labelSingular: 'Note',
      labelPlural: 'Notes',
      isCustom: false,
    });
    this.addField(note.id, { name: 'title', type: 'TEXT' });
    this.addField(note.id, { name: 'bodyV2', type: 'RICH_TEXT_V2' });

    for (const [nameSingular, namePlural] of [
      ['attachment', 'attachments'],
      ['timelineActivity', 'timelineActivities'],
    ] as const)
      this.addObject({
        nameSingular,
        namePlural,
        labelSingular: nameSingular,
        labelPlural: namePlural,
        isCustom: false,
        isSystem: true,
      });

    for (const [junction, owner, ownerObject] of [
      ['taskTarget', 'task', task],
      ['noteTarget', 'note', note],
    ] as const) {
      const target = this.addObject({
        nameSingular: junction,
        namePlural: `${junction}s`,
        labelSingular: junction,
        labelPlural: `${junction}s`,
        isCustom: false,
        isSystem: true,
      });
      this.addManyToOne(target.id, owner, ownerObject.id, `${junction}s`);
      // Newer builds name the target columns target<Object>Id (twenty.md §2).
      this.addManyToOne(target.id, 'targetPerson', person.id, `${junction}s`);
      this.addManyToOne(target.id, 'targetCompany', company.id, `${junction}s`);
    }
  }

  /** A MANY_TO_ONE relation `name` with its join column `<name>Id`, and the inverse ONE_TO_MANY field. */
  addManyToOne(objectId: string, name: string, targetObjectId: string, inverseName: string, inverseLabel?: string) {
    const field = this.addField(objectId, {
      name,
      type: 'RELATION',
      isCustom: this.objects.get(objectId)?.isCustom ?? false,
      relation: { type: 'MANY_TO_ONE', targetObjectMetadataId: targetObjectId, joinColumnName: `${name}Id` },
    });
    if (!this.fieldsOf(targetObjectId).some((f) => f.name === inverseName))
      this.addField(targetObjectId, {
        name: inverseName,
        label: inverseLabel ?? inverseName,
        type: 'RELATION',
        isCustom: field.isCustom,
        relation: { type: 'ONE_TO_MANY', targetObjectMetadataId: objectId },
      });
    return field;
  }
}
