package id.verivali.app

import android.Manifest
import android.app.Activity
import android.app.AlertDialog
import android.content.Intent
import android.os.Build
import android.os.Bundle
import android.view.Menu
import android.view.MenuItem
import android.view.View
import android.widget.AdapterView
import android.widget.ArrayAdapter
import android.widget.EditText
import android.widget.ListView
import android.widget.Spinner
import id.verivali.shell.HouseholdLine
import id.verivali.shell.HouseholdStatus
import id.verivali.shell.StoreOpening
import id.verivali.shell.Team
import id.verivali.shell.Word

/**
 * Search the prelist, filter by where each household stands (a pengawas's returns among them, and
 * marked), open a visit. The returns notification opens it filtered to them ([FILTER]). Its menu
 * leads to the team's interviews (on a pengawas's phone) and to bundles without network.
 */
class HouseholdListActivity : Activity() {
    private var rows: List<HouseholdLine> = emptyList()
    /** Draws the list again for what is typed and chosen; set once the screen is made. */
    private var refresh: () -> Unit = {}

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        title = "Verivali"
        val app = VerivaliApp.of(this)
        if (app.settings() == null) {
            startActivity(Intent(this, ProvisionActivity::class.java))
            finish()
            return
        }
        val problem = app.opening.problem
        if (problem != null) {
            AlertDialog.Builder(this).setMessage(problem).setCancelable(false)
                .setPositiveButton("OK") { _, _ -> finish() }.show()
            return
        }
        val lang = app.language
        val column = Views.column(this)
        val search = EditText(this).apply { hint = Word.SEARCH.text(lang) }
        val filter = Spinner(this)
        val choices = listOf("—") + HouseholdStatus.values().map { it.text(lang) }
        filter.adapter = ArrayAdapter(this, android.R.layout.simple_spinner_item, choices)
        wantedFromIntent()?.let { filter.setSelection(it.ordinal + 1) }
        val list = ListView(this)
        val adapter = ArrayAdapter<String>(this, android.R.layout.simple_list_item_1, ArrayList())
        list.adapter = adapter
        refresh = {
            val text = search.text.toString()
            val wanted = HouseholdStatus.values().getOrNull(filter.selectedItemPosition - 1)
            app.executor.run({ app.enumeration.households(text, wanted) }) { result ->
                rows = result.getOrDefault(emptyList())
                adapter.clear()
                adapter.addAll(rows.map { it.text })
            }
        }
        Views.afterTextChanged(search) { refresh() }
        filter.onItemSelectedListener = object : AdapterView.OnItemSelectedListener {
            override fun onItemSelected(parent: AdapterView<*>?, view: View?, position: Int, id: Long) = refresh()
            override fun onNothingSelected(parent: AdapterView<*>?) {}
        }
        list.setOnItemClickListener { _, _, position, _ -> open(rows[position]) }
        column.addView(search)
        column.addView(filter)
        column.addView(Views.button(this, Word.NEW_HOUSEHOLD.text(lang)) { openHousehold(null) })
        column.addView(
            Views.button(this, Word.OUTBOX.text(lang)) { startActivity(Intent(this, OutboxActivity::class.java)) },
        )
        column.addView(list)
        setContentView(column)
        PinDialog.ask(this)
        if (Build.VERSION.SDK_INT >= 33) {
            requestPermissions(arrayOf(Manifest.permission.POST_NOTIFICATIONS), 1)
        }
        UploadScheduler.schedule(this)
    }

    /** Back from a visit (finalized, say), the list shows where each household stands now. */
    override fun onResume() {
        super.onResume()
        refresh()
    }

    /** The status filter the intent asks for ([FILTER], a [HouseholdStatus] name), if any. */
    private fun wantedFromIntent(): HouseholdStatus? =
        intent.getStringExtra(FILTER)?.let { name -> HouseholdStatus.values().firstOrNull { it.name == name } }

    /**
     * The team's interviews (on a pengawas's phone, [Team.offered]) and bundles (on every phone:
     * an enumerator hands bundles over too), once the store is open (the list explains it otherwise).
     */
    override fun onCreateOptionsMenu(menu: Menu): Boolean {
        val app = VerivaliApp.of(this)
        if (app.opening !is StoreOpening.Opened) return false
        if (Team.offered(app.settings())) menu.add(Menu.NONE, MENU_TEAM, Menu.NONE, Team.TITLE)
        menu.add(Menu.NONE, MENU_BUNDLES, Menu.NONE, Team.BUNDLES)
        return true
    }

    override fun onOptionsItemSelected(item: MenuItem): Boolean = when (item.itemId) {
        MENU_TEAM -> true.also { startActivity(Intent(this, TeamListActivity::class.java)) }
        MENU_BUNDLES -> true.also { startActivity(Intent(this, BundleActivity::class.java)) }
        else -> super.onOptionsItemSelected(item)
    }

    /** A line opens its interview when it names one (a returned interview), else its household. */
    private fun open(line: HouseholdLine) {
        val interview = line.interviewId ?: return openHousehold(line.idDtks)
        startActivity(Intent(this, InterviewActivity::class.java).putExtra(InterviewActivity.INTERVIEW, interview))
    }

    private fun openHousehold(idDtks: String?) {
        startActivity(Intent(this, InterviewActivity::class.java).putExtra(InterviewActivity.HOUSEHOLD, idDtks))
    }

    companion object {
        /** An intent extra: the [HouseholdStatus] name the list opens filtered to. */
        const val FILTER = "filter"
        const val MENU_TEAM = 1
        const val MENU_BUNDLES = 2
    }
}
