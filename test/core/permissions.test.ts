import assert from 'node:assert/strict'
import { test } from 'node:test'
import { grants, isValidPermission, scopeOf } from '../../src/core/permissions.ts'

test('permission strings: resources, actions, .own, wildcards', () => {
  for (const ok of ['*', 'integrations.*', 'integrations.view', 'integrations.create.own', 'users.manage', 'events.publish']) {
    assert.equal(isValidPermission(ok), true, ok)
  }
  for (const bad of ['', 'integrations', 'integrations.fly', 'planets.view', 'integrations.view.mine', '*.view', 'integrations.*.own']) {
    assert.equal(isValidPermission(bad), false, bad)
  }
})

test('scopeOf picks the widest grant', () => {
  assert.equal(scopeOf(['*'], 'integrations', 'view'), 'all')
  assert.equal(scopeOf(['integrations.*'], 'integrations', 'delete'), 'all')
  assert.equal(scopeOf(['integrations.view.own'], 'integrations', 'view'), 'own')
  assert.equal(scopeOf(['integrations.view.own', 'integrations.view'], 'integrations', 'view'), 'all')
  assert.equal(scopeOf(['integrations.view'], 'integrations', 'create'), null)
  assert.equal(scopeOf(['users.*'], 'integrations', 'view'), null)
  assert.equal(scopeOf([], 'integrations', 'view'), null)
})

test('grants: nobody hands out more than they hold', () => {
  assert.equal(grants(['*'], '*'), true)
  assert.equal(grants(['integrations.*'], '*'), false)
  assert.equal(grants(['integrations.*'], 'integrations.view'), true)
  assert.equal(grants(['integrations.view'], 'integrations.view.own'), true)
  assert.equal(grants(['integrations.view.own'], 'integrations.view'), false)
  assert.equal(grants(['integrations.view'], 'integrations.*'), false)
  assert.equal(grants(['users.create'], 'integrations.view'), false)
})
