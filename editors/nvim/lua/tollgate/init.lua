-- The Tollgate language client for Neovim 0.7+: one `tollgate lsp` process per project root,
-- started with the built-in client (`vim.lsp.start_client`, since `vim.lsp.start` only exists
-- from 0.8 on) and attached to each `tollgate` buffer of that root.
local M = {}

--- The defaults; `setup()` overrides them key by key.
M.config = {
  -- The server command. `vim.g.tollgate_server_path` names another binary without calling setup().
  cmd = nil,
  -- Files or folders whose presence marks a policy repository's root, nearest first.
  root_markers = { 'tollgate.toml', '.git' },
  -- Passed through to the client.
  on_attach = nil,
  capabilities = nil,
  settings = {},
  init_options = nil,
  handlers = nil,
}

-- Client ids by root directory, so that every policy of one repository shares one server.
local clients_by_root = {}
local augroup = nil

--- The server command: `setup{cmd = ...}`, else `vim.g.tollgate_server_path` + `lsp`, else
--- `tollgate lsp` from PATH.
function M.server_cmd()
  if M.config.cmd ~= nil then
    return M.config.cmd
  end
  local path = vim.g.tollgate_server_path
  if type(path) ~= 'string' or path == '' then
    path = 'tollgate'
  end
  return { path, 'lsp' }
end

--- The nearest ancestor of `path` holding a root marker, else the file's own directory.
function M.root_dir(path)
  local dir = vim.fn.fnamemodify(path, ':p:h')
  for _, marker in ipairs(M.config.root_markers) do
    local found = vim.fn.findfile(marker, dir .. ';')
    if found == '' then
      found = vim.fn.finddir(marker, dir .. ';')
    end
    if found ~= '' then
      local root = vim.fn.fnamemodify(found, ':p'):gsub('/$', '')
      root = root:gsub('/%.git$', '')
      if marker ~= '.git' then
        root = vim.fn.fnamemodify(root, ':h')
      end
      return root
    end
  end
  return dir
end

local function live_client(client_id)
  if client_id == nil then
    return nil
  end
  local client = vim.lsp.get_client_by_id(client_id)
  if client == nil or client.is_stopped() then
    return nil
  end
  return client
end

--- Attaches the buffer to the server of its root, starting the server when there is none.
--- Returns the client id, or nil when the server could not be started.
function M.attach(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local name = vim.api.nvim_buf_get_name(bufnr)
  local root = M.root_dir(name ~= '' and name or vim.fn.getcwd() .. '/untitled.tg')
  local client_id = clients_by_root[root]
  if live_client(client_id) == nil then
    local cmd = M.server_cmd()
    if vim.fn.executable(cmd[1]) ~= 1 then
      vim.notify(
        string.format('tollgate: `%s` is not an executable; set vim.g.tollgate_server_path or call setup{cmd = ...}', cmd[1]),
        vim.log.levels.WARN
      )
      return nil
    end
    client_id = vim.lsp.start_client({
      name = 'tollgate',
      cmd = cmd,
      root_dir = root,
      workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
      capabilities = M.config.capabilities,
      on_attach = M.config.on_attach,
      settings = M.config.settings,
      init_options = M.config.init_options,
      handlers = M.config.handlers,
      on_exit = function()
        if clients_by_root[root] == client_id then
          clients_by_root[root] = nil
        end
      end,
    })
    if client_id == nil then
      return nil
    end
    clients_by_root[root] = client_id
  end
  vim.lsp.buf_attach_client(bufnr, client_id)
  return client_id
end

--- Registers the `FileType tollgate` autocommand (once; plugin/tollgate.lua calls this).
function M.register_autocmd()
  if augroup ~= nil then
    return
  end
  augroup = vim.api.nvim_create_augroup('tollgate_lsp', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = augroup,
    pattern = 'tollgate',
    callback = function(args)
      M.attach(args.buf)
    end,
    desc = 'Attach the Tollgate language server',
  })
end

--- Overrides the defaults; see `M.config`.
function M.setup(opts)
  M.config = vim.tbl_deep_extend('force', M.config, opts or {})
  M.register_autocmd()
end

return M
